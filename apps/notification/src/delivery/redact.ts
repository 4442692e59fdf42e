const EMAIL = /[^\s<>"'(),;:@]+@[^\s<>"'(),;:@]+\.[^\s<>"'(),;:@]+/g;

/** Error texts end up in events and logs: whatever looks like an email address is masked. */
export function redactPersonalData(text: string, maxLength = 300): string {
  return text.replace(EMAIL, '<redacted>').slice(0, maxLength);
}
