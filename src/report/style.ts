// Colour is decided by the CLI and passed to renderers as a Style; renderers never look at the terminal.
import { styleText } from 'node:util';

export type Tone = 'bold' | 'dim' | 'red' | 'yellow' | 'green' | 'cyan';
export type Style = (tone: Tone, text: string) => string;

export const plain: Style = (_tone, text) => text;
// The CLI has already decided colour is wanted; stop styleText from second-guessing the stream.
export const ansi: Style = (tone, text) => styleText(tone, text, { validateStream: false });
