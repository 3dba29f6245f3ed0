import { inferDateFormat, inferDecimalSeparator } from '../../src/mapping/infer-formats.js';

test('dates: a column mixing one- and two-digit days reads as d.M.yyyy; date-times with and without seconds', () => {
  expect(inferDateFormat(['1.2.2024', '31.12.2024'])).toEqual({ format: 'd.M.yyyy', ambiguous: [] });
  // Zero-padded dates get the format that also reads the rows written without the zero.
  expect(inferDateFormat(['31.12.2024', '01.02.2024'])?.format).toBe('d.M.yyyy');
  expect(inferDateFormat(['03/04/2024', '3/4/2024', '12/31/2024'])?.format).toBe('M/d/yyyy');
  expect(inferDateFormat(['2023-01-10 09:30', '2024-12-31 18:05'])?.format).toBe('yyyy-MM-dd HH:mm');
  expect(inferDateFormat(['2023-01-10 09:30:15'])?.format).toBe('yyyy-MM-dd HH:mm:ss');
  expect(inferDateFormat(['3/4/2024 9:30 AM', '12/31/2024 6:05 PM'])?.format).toBe('M/d/yyyy h:mm a');
  expect(inferDateFormat(['03/04/2024'], 'US')).toMatchObject({
    format: 'M/d/yyyy',
    ambiguous: expect.arrayContaining(['M/d/yyyy', 'd/M/yyyy']),
  });
  expect(inferDateFormat(['03/04/2024'], 'DE')).toMatchObject({ format: 'd/M/yyyy' });
});

test('numbers: a comma before exactly three digits is decided by the other cells or the country, else left undecided with the cells named', () => {
  expect(inferDecimalSeparator(['12.345,67', '980,50'])).toEqual({ separator: ',' });
  expect(inferDecimalSeparator(['1,200', '987,00'])).toEqual({ separator: ',' });
  expect(inferDecimalSeparator(['1,200', '12.5'])).toEqual({ separator: undefined });
  expect(inferDecimalSeparator(['1,200', '17,500'], 'US')).toEqual({ separator: undefined });
  expect(inferDecimalSeparator(['1,200', '17,500'], 'DE')).toEqual({ separator: ',' });
  expect(inferDecimalSeparator(['1,200', '17,500'])).toMatchObject({
    separator: undefined,
    ambiguous: expect.stringMatching(/"1,200", "17,500" could be thousands/),
  });
});
