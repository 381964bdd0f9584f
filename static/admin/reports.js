// Filled in by the reports page's own module.
import { reveal } from './ui.js';

reveal();
