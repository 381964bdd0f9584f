// Filled in by the home page's own module.
import { reveal } from './ui.js';

reveal();
