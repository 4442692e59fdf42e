import { redactPersonalData } from './redact.js';

describe(redactPersonalData.name, () => {
  it('masks email addresses in an error text', () => {
    const sut = redactPersonalData(
      '550 5.1.1 <jean.dupont@example.fr>: Recipient address rejected, also jd+x@mail.example.org',
    );

    expect(sut).toBe('550 5.1.1 <<redacted>>: Recipient address rejected, also <redacted>');
  });

  it('keeps texts without addresses and bounds their length', () => {
    expect(redactPersonalData('connect ECONNREFUSED 127.0.0.1:25')).toBe('connect ECONNREFUSED 127.0.0.1:25');
    expect(redactPersonalData('x'.repeat(1_000))).toHaveLength(300);
  });
});
