// Text for alert explanations. Apart from alert.ts on purpose: alert.ts takes the rule names from the
// registry, which imports every rule, so a rule importing a value from alert.ts would make a cycle in
// which a rule module can be evaluated before the registry that lists it is ready.
// Explanations show major units because people read them; the structured fields keep integer cents.
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const major = Math.trunc(abs / 100);
  const minor = String(abs % 100).padStart(2, '0');
  return `${sign}${major}.${minor}`;
}
