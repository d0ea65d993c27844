import { toWinAnsi } from './win-ansi-text';

describe('toWinAnsi', () => {
  it.each([
    ['Acme Imaging AI', 'Acme Imaging AI'],
    ['Müller & Søn, café', 'Müller & Søn, café'],
    ['“quoted” — dash €5', '“quoted” — dash €5'],
    ['Őrség', 'Orség'],
    ['Łódź', '?ódz'],
    ['北京', '??'],
    ['tab\there', 'tab here'],
    ['two\nlines', 'two\nlines'],
    ['e\u0301', 'é'],
  ])('should draw %j as %j when the font is WinAnsi', (input, expected) => {
    expect(toWinAnsi(input)).toBe(expected);
  });
});
