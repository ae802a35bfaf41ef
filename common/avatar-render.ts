/**
 * Avatar pictures as PNG: the SVG of protocol/avatar-scene.ts rasterized with resvg
 * (`@resvg/resvg-js`, a native addon; no fonts are loaded, the drawing has no text),
 * then marked with tEXt chunks. Used by the local Bedrock stand-in (its images) and to
 * generate the default faces bundled with the avatar function; never by deployed code.
 *
 * @example const png = renderAvatarPng({ mood: 'calm', scene: 'rain', local: true }, 512, { 'pulsepet-local': 'drawn by the local Bedrock stand-in' });
 */
import { Resvg, type ResvgRenderOptions, renderAsync } from '@resvg/resvg-js';
import { withPngText } from '../protocol/avatar-png';
import { type AvatarSceneFacts, avatarSceneSvg } from '../protocol/avatar-scene';

const renderOptions = (width: number): ResvgRenderOptions => ({ fitTo: { mode: 'width', value: width }, font: { loadSystemFonts: false }, background: 'rgba(0,0,0,0)' });

/** Rasterizes standalone SVG markup to a PNG `width` pixels wide (height by the viewBox). */
export function svgToPng(svg: string, width: number): Uint8Array {
  return new Uint8Array(new Resvg(svg, renderOptions(width)).render().asPng());
}

const withText = (png: Uint8Array, text: Readonly<Record<string, string>>): Uint8Array => (Object.keys(text).length === 0 ? png : withPngText(png, text));

/** The avatar picture for `facts`, `width` × `height` pixels (square by default), with these tEXt entries. */
export function renderAvatarPng(facts: AvatarSceneFacts, width: number, text: Readonly<Record<string, string>> = {}, height: number = width): Uint8Array {
  return withText(svgToPng(avatarSceneSvg(facts, width, height), width), text);
}

/**
 * {@link renderAvatarPng} rasterized on libuv's thread pool (resvg's `renderAsync`), for a
 * server: a 512-pixel picture takes about 9 ms to draw and a 1024-pixel one about 32 ms,
 * which would otherwise stall the event loop that serves everything else. Same bytes.
 */
export async function renderAvatarPngAsync(facts: AvatarSceneFacts, width: number, text: Readonly<Record<string, string>> = {}, height: number = width): Promise<Uint8Array> {
  const image = await renderAsync(avatarSceneSvg(facts, width, height), renderOptions(width));
  return withText(new Uint8Array(image.asPng()), text);
}
