// Browser-level opt-outs: with Global Privacy Control or Do-Not-Track on, nothing is stored or sent.

export function optedOut(): boolean {
  const n = navigator as Navigator & { globalPrivacyControl?: boolean };
  return !!n.globalPrivacyControl || n.doNotTrack == '1' || (window as { doNotTrack?: string }).doNotTrack == '1';
}
