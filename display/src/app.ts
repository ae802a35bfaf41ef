import { DISPLAY_CLIENT_ID_PREFIX } from '../../protocol/display-access';
import type { DisplayConfig } from '../../protocol/display-config';
import { THING_NAME_RE } from '../../protocol/topics';
import { openDisplaySession } from './aws-session';
import { FleetStore } from './fleet-store';
import { FleetSync, LIVE_FILTERS } from './fleet-sync';
import { type ConnectionState, LiveConnection } from './live-connection';
import { ago } from './views/format';
import { FleetGrid } from './views/grid';
import { presignS3Get } from './presign';
import { AvatarImages } from './views/pet-face';
import { PetPage } from './views/pet-page';


/** The routes: `#/` the grid, `#/pet/{thing}` a pet. */
export function routeOf(hash: string): { view: 'grid' } | { view: 'pet'; thing: string } {
  const m = /^#\/pet\/([^/]+)$/.exec(hash);
  if (m?.[1]) {
    let thing: string;
    try {
      thing = decodeURIComponent(m[1]);
    } catch {
      return { view: 'grid' };
    }
    if (THING_NAME_RE.test(thing)) return { view: 'pet', thing };
  }
  return { view: 'grid' };
}

export function connectionText(s: ConnectionState, now: number): string {
  switch (s.kind) {
    case 'connecting':
      return s.attempt > 1 ? `Reconnecting (attempt ${s.attempt})…` : 'Connecting…';
    case 'online':
      return `Live: connected ${ago(s.since, now)}`;
    case 'offline':
      return `Offline: ${s.reason}. Retrying in ${Math.ceil(s.retryInMs / 1000)} s.`;
  }
}

/**
 * Wires the page: one session (credentials and clients), one store, one live connection
 * whose messages go to the store, and the view of the current route, told of every change.
 */
export function startApp(config: DisplayConfig, main: HTMLElement, status: HTMLElement): void {
  const session = openDisplaySession(config);
  const store = new FleetStore();
  const sync = new FleetSync(session, store);
  // an avatar whose presigned URL failed is tried once more, presigned with the display's own credentials
  const avatars = new AvatarImages(async (url) => presignS3Get(url, await session.credentials()));
  const grid = new FleetGrid(store, avatars);
  let page: PetPage | undefined;
  let connection: ConnectionState = { kind: 'connecting', attempt: 1 };

  const show = () => {
    const route = routeOf(location.hash);
    page?.dispose();
    page = undefined;
    if (route.view === 'pet') {
      page = new PetPage(route.thing, store, sync, session, avatars);
      main.replaceChildren(page.root);
      if (!store.get(route.thing)) void sync.readPet(route.thing);
    } else main.replaceChildren(grid.root);
    main.focus({ preventScroll: true });
  };
  store.subscribe((thing) => {
    grid.update(thing);
    if (page && (thing === undefined || thing === page.thing)) page.update();
  });
  const renderStatus = () => {
    status.textContent = connectionText(connection, Date.now());
    status.dataset.state = connection.kind;
  };
  const live = new LiveConnection({
    endpoint: config.endpoints.mqtt,
    region: config.region,
    credentials: session.credentials,
    clientId: `${DISPLAY_CLIENT_ID_PREFIX}${crypto.randomUUID()}`,
    filters: LIVE_FILTERS,
    onMessage: (topic, payload) => sync.onMessage(topic, payload),
    onState: (s) => {
      connection = s;
      renderStatus();
    },
    // once subscribed, every pet is read again after the first load: a change made between a read and the
    // subscription (or while offline) is not missed; from then on every change arrives as a message
    onSubscribed: () => void loading.then(() => sync.readAll()),
  });
  // the grid does not wait for the live connection: history and shadows are read over HTTP
  const loading = sync.load();
  window.addEventListener('hashchange', show);
  window.addEventListener('online', () => live.retryNow());
  // relative times only ("2 min ago"); no data is fetched by this timer
  setInterval(() => {
    renderStatus();
    grid.tick();
  }, 30_000);
  show();
  live.start();
}
