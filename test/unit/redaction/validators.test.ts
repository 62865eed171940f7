import { describe, expect, it } from 'vitest';
import {
  cnLandlineValid,
  hkIdValid,
  ibanValid,
  isPlausibleBirthDate,
  luhnValid,
  paymentCardValid,
  prcIdCheckChar,
  prcIdValid,
  ssnValid,
  twIdValid,
} from '../../../lib/redaction/validators.ts';

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

  it('HKID: weighted sum with the check character (A for 10) is a multiple of 11', () => {
    expect(hkIdValid('A', '123456', '3')).toBe(true);
    expect(hkIdValid('Z', '683365', 'A')).toBe(true);
    expect(hkIdValid('G', '412230', '4')).toBe(true);
    expect(hkIdValid('A', '123456', '4')).toBe(false);
    expect(hkIdValid('Z', '683365', '0')).toBe(false);
  });

  it('Taiwan id: letter code, weights 1 9 8 … 1 1, sum ends in 0', () => {
    expect(twIdValid('A123456789')).toBe(true);
    expect(twIdValid('F131104093')).toBe(true);
    expect(twIdValid('A123456788')).toBe(false);
    expect(twIdValid('a123456789')).toBe(false);
  });

  it('Chinese landlines: 3-digit areas take 8-digit numbers, 4-digit areas 7 or 8', () => {
    expect(cnLandlineValid('010', '12345678')).toBe(true);
    expect(cnLandlineValid('0755', '1234567')).toBe(true);
    expect(cnLandlineValid('0919', '5383021')).toBe(true);
    expect(cnLandlineValid('010', '1234567')).toBe(false);
    expect(cnLandlineValid('0155', '1234567')).toBe(false);
    expect(cnLandlineValid('021', '02345678')).toBe(false);
  });
});
