/**
 * Avatar pictures as PNG: the SVG of protocol/avatar-scene.ts rasterized with resvg
 * (`@resvg/resvg-js`, a native addon; no fonts are loaded, the drawing has no text),
 * then marked with tEXt chunks. Used by the local Bedrock stand-in (its images) and to
 * generate the default faces bundled with the avatar function; never by deployed code.
 *
 * @example const png = renderAvatarPng({ mood: 'calm', scene: 'rain', local: true }, 512, { 'pulsepet-local': 'drawn by the local Bedrock stand-in' });
 */
import { Resvg } from '@resvg/resvg-js';
import { withPngText } from '../protocol/avatar-png';
import { type AvatarSceneFacts, avatarSceneSvg } from '../protocol/avatar-scene';

/** Rasterizes standalone SVG markup to a PNG `width` pixels wide (height by the viewBox). */
export function svgToPng(svg: string, width: number): Uint8Array {
  const r = new Resvg(svg, { fitTo: { mode: 'width', value: width }, font: { loadSystemFonts: false }, background: 'rgba(0,0,0,0)' });
  return new Uint8Array(r.render().asPng());
}

/** The avatar picture for `facts`, `width` × `height` pixels (square by default), with these tEXt entries. */
export function renderAvatarPng(facts: AvatarSceneFacts, width: number, text: Readonly<Record<string, string>> = {}, height: number = width): Uint8Array {
  const png = svgToPng(avatarSceneSvg(facts, width, height), width);
  return Object.keys(text).length === 0 ? png : withPngText(png, text);
}
