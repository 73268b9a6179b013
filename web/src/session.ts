/** The pasted API key lives in sessionStorage: gone when the tab closes, never written to disk by us. */
const KEY = 'feature-flags.api-key';
const PLACE = 'feature-flags.place';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
  /** The project and environment last chosen in this tab. */
  place: (): { project: string; environment: string } | null => {
    const saved = sessionStorage.getItem(PLACE);
    return saved ? JSON.parse(saved) : null;
  },
  remember: (place: { project: string; environment: string }) => sessionStorage.setItem(PLACE, JSON.stringify(place)),
};
