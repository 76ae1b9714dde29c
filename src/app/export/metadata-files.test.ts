import { describe, expect, it } from 'vitest';
import { csvField } from './metadata-files.ts';

describe('CSV fields', () => {
  it('quote what RFC 4180 asks and leave plain values and numbers as they are', () => {
    expect([csvField(null), csvField('dog.jpg'), csvField('a,b "c".jpg'), csvField(-0.5), csvField(12n)]).toEqual(['', 'dog.jpg', '"a,b ""c"".jpg"', '-0.5', '12']);
  });

  it('keep a spreadsheet from running a file name as a formula', () => {
    expect(['=cmd.jpg', '+1.jpg', '-x.jpg', '@SUM(A1).jpg', '\tx.jpg'].map(csvField)).toEqual(["'=cmd.jpg", "'+1.jpg", "'-x.jpg", "'@SUM(A1).jpg", "'\tx.jpg"]);
    expect(csvField('=HYPERLINK("http://x","y").jpg')).toBe(`"'=HYPERLINK(""http://x"",""y"").jpg"`);
  });
});
