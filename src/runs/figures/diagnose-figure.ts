/** Gradient-flow diagnoses on disk: `<base>.svg`, `<base>.png`, `<base>.csv` (and the over-epochs figure). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { diagnosticRows, diagnosticsCsv, gradientFlowEpochsSpec, gradientFlowSpec, type EpochFlow } from './diagnose-spec.js';
import { writeFigure, type WrittenFigure } from './render.js';

export interface DiagnosticFiles extends WrittenFigure {
  csv: string;
}

/** The diagnoses' figure and CSV at `<base>.*`. */
export async function writeGradientFlow(flows: readonly EpochFlow[], base: string, title: string): Promise<DiagnosticFiles> {
  if (flows.length === 0) throw new Error('no diagnoses to write');
  const fig = await writeFigure(gradientFlowSpec(flows, { title }), base);
  mkdirSync(dirname(base), { recursive: true });
  const csv = `${base}.csv`;
  writeFileSync(csv, diagnosticsCsv(diagnosticRows(flows)));
  return { ...fig, csv };
}

/** The over-epochs figure and its CSV at `<base>.*` (two diagnoses at least make a picture). */
export async function writeGradientFlowEpochs(flows: readonly EpochFlow[], base: string, title: string): Promise<DiagnosticFiles> {
  if (flows.length === 0) throw new Error('no diagnoses to write');
  const fig = await writeFigure(gradientFlowEpochsSpec(flows, { title }), base);
  const csv = `${base}.csv`;
  writeFileSync(csv, diagnosticsCsv(diagnosticRows(flows)));
  return { ...fig, csv };
}
