/**
 * Strings seen so far, for keeping repeats once. A record has a handful of
 * emails, phones or split values, and a short list is cheaper to build and
 * search than a Set; past a few the list becomes a Set, so a cell with
 * thousands of values costs linear time, not quadratic.
 */
export class SeenStrings {
  private static readonly LIST_MAX = 16;
  private list: string[] | undefined = [];
  private set: Set<string> | undefined;

  /** Adds `value`; false when it was already there. */
  add(value: string): boolean {
    if (this.list !== undefined) {
      if (this.list.includes(value)) return false;
      if (this.list.length < SeenStrings.LIST_MAX) {
        this.list.push(value);
        return true;
      }
      this.set = new Set(this.list);
      this.list = undefined;
    }
    if (this.set!.has(value)) return false;
    this.set!.add(value);
    return true;
  }
}
