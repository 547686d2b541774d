/** The 2-D illustration's figure on disk: `<dir>/toy.svg` and `<dir>/toy.png`. */
import { join } from 'node:path';
import type { ToyResult } from '../../train/toy.js';
import { writeFigure, type WrittenFigure } from './render.js';
import { toyFigureSpec, type ToyFigureOptions } from './toy-spec.js';

export async function plotToy(result: ToyResult, dir: string, opts: ToyFigureOptions = {}): Promise<WrittenFigure> {
  return writeFigure(toyFigureSpec(result, opts), join(dir, 'toy'));
}
