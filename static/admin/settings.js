// Filled in by the settings page's own module.
import { reveal } from './ui.js';

reveal();
