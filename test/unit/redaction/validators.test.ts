import { describe, expect, it } from 'vitest';
import {
  ibanValid,
  isPlausibleBirthDate,
  luhnValid,
  paymentCardValid,
  prcIdCheckChar,
  prcIdValid,
  ssnValid,
} from '../../../pipelines/redaction/validators.ts';

describe('validators', () => {
  it('Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
  });

  it('payment cards need a known issuer prefix and a length it issues', () => {
    expect(paymentCardValid('4111111111111111')).toBe(true); // Visa 16
    expect(paymentCardValid('378282246310005')).toBe(true); // Amex 15
    expect(paymentCardValid('2223003122003222')).toBe(true); // Mastercard 2-series
    expect(paymentCardValid('6212345678901265')).toBe(true); // UnionPay
    expect(paymentCardValid('1234567812345670')).toBe(false); // Luhn ok, no issuer 1
    expect(paymentCardValid('37828224631000')).toBe(false); // Amex prefix, 14 digits
    expect(paymentCardValid('41111111111111')).toBe(false); // Visa prefix, 14 digits
  });

  it('IBAN: mod 97 and the country length', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB29NWBK60161331926819')).toBe(true);
    expect(ibanValid('DE88370400440532013000')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false);
    expect(ibanValid('ZZ89370400440532013000')).toBe(false);
  });

  it('PRC identity numbers: ISO 7064 MOD 11-2, province and birth date', () => {
    expect(prcIdCheckChar('11010519491231002')).toBe('X');
    expect(prcIdValid('11010519491231002X')).toBe(true);
    expect(prcIdValid('11010519491231002x')).toBe(true);
    expect(prcIdValid('110105194912310021')).toBe(false); // check character
    expect(prcIdValid('99010519491231002X')).toBe(false); // no province 99
    expect(prcIdValid('110105' + '20991231' + '0015', new Date('2026-11-23'))).toBe(false); // future
  });

  it('birth dates must exist and not be in the future', () => {
    const today = new Date('2026-11-23');
    expect(isPlausibleBirthDate(2000, 2, 29, today)).toBe(true);
    expect(isPlausibleBirthDate(1999, 2, 29, today)).toBe(false);
    expect(isPlausibleBirthDate(1899, 1, 1, today)).toBe(false);
    expect(isPlausibleBirthDate(2027, 1, 1, today)).toBe(false);
  });

  it('SSN area, group and serial rules', () => {
    expect(ssnValid('536221234')).toBe(true);
    for (const invalid of [
      '000221234',
      '666221234',
      '900221234',
      '536001234',
      '536220000',
      '078051120',
    ]) {
      expect({ invalid, valid: ssnValid(invalid) }).toEqual({ invalid, valid: false });
    }
  });
});
