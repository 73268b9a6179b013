import { render } from 'preact';
import { App } from './app.js';
import './tokens.css';
import './styles.css';
import './components.css';
import './charts.css';

render(<App />, document.getElementById('app')!);
