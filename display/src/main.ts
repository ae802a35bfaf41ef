import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { startApp } from './app';
import { loadDisplayConfig } from './runtime-config';

const main = document.getElementById('app') as HTMLElement;
const status = document.getElementById('connection') as HTMLElement;

loadDisplayConfig(fetch, new URL('config.json', document.baseURI)).then(
  (config) => startApp(config, main, status),
  (e: unknown) => {
    status.textContent = 'Not started';
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = `The display cannot start: ${e instanceof Error ? e.message : String(e)}`;
    main.replaceChildren(p);
  },
);
