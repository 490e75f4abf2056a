/** Entry of the agent desk bundle served at `/assets/agent-desk-<hash>.js`, for the page at `/agent`. */
import './style.css';
import { Desk } from './desk.js';

export const desk = new Desk();
