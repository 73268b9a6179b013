import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Project, scoped } from './api.js';

/** Where the person is working: the project and environment chosen in the header, and what the key may do. */
export interface Place {
  projects: Project[];
  project: string;
  environment: string;
  /** An evaluate key: answers can be read, nothing changed. */
  readOnly: boolean;
  choose(project: string, environment: string): void;
  /** Reads the projects and their environments again, after the page changed them. */
  reloadProjects(): Promise<void>;
}

export const PlaceContext = createContext<Place | null>(null);

export function usePlace() {
  const place = useContext(PlaceContext);
  if (!place) throw new Error('usePlace outside the signed-in layout');
  const project = place.projects.find((p) => p.key === place.project);
  return { ...place, environments: project?.environments ?? [], api: scoped(place.project, place.environment) };
}
