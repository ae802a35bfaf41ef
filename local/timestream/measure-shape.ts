import type { DimensionSet } from './dimension-set';
import { RecordRejection } from './errors';
import { measurePrefix } from './fingerprint';
import { asScalarType, type MeasureScalar, parseScalar, SCALAR_TYPES, type ScalarType } from './measure-values';
import { checkName, MAX_MEASURE_NAME_BYTES } from './record-names';

/**
 * The measure layout a record writes: column names and types in record order. Records
 * of one request with the same layout share one validated shape, so names, types and
 * duplicates are checked once per request, not once per record.
 */
export interface MeasureShape {
  /** column names: the multi-measure attribute names, or `measure_value::<type>` for a single measure */
  names: string[];
  types: ScalarType[];
  /** hash53 state after `<name>\u0001<type>\u0001`, per measure (fingerprints hash only the value text) */
  h1: number[];
  h2: number[];
}

/** A wire multi-measure value (API_MeasureValue.html). */
export interface WireMeasureValue {
  Name: string;
  Value: string;
  Type: string;
}

function makeShape(names: string[], types: ScalarType[]): MeasureShape {
  const h1: number[] = [];
  const h2: number[] = [];
  for (let j = 0; j < names.length; j++) {
    const [a, b] = measurePrefix(names[j] ?? '', types[j] ?? 'DOUBLE');
    h1.push(a);
    h2.push(b);
  }
  return { names, types, h1, h2 };
}

/** Single-measure shapes, one per type (`measure_value::double`, …). */
const SINGLE_SHAPES = new Map<ScalarType, MeasureShape>(SCALAR_TYPES.map((t) => [t, makeShape([`measure_value::${t.toLowerCase()}`], [t])]));

/** The shape of a single-measure record of `type` (its one column is `measure_value::<type>`). */
export function singleMeasureShape(type: ScalarType): MeasureShape {
  return SINGLE_SHAPES.get(type) ?? makeShape([`measure_value::${type.toLowerCase()}`], [type]);
}

/**
 * Multi-measure shapes of one request. Records of a request mostly repeat one layout, so
 * the last validated shape is kept with the raw types and dimension set it was checked
 * against; a record with the same layout only has its values parsed.
 */
export class MultiShapeCache {
  private last: MeasureShape | undefined;
  private lastRawTypes: string[] = [];
  private lastDims: DimensionSet | undefined;

  /**
   * The record's shape; its parsed values are pushed onto `values` in shape order.
   * @throws RecordRejection for a bad or duplicate name, a name that is also a dimension, a bad type or value
   */
  shapeOf(mvs: readonly WireMeasureValue[], dims: DimensionSet, unitNs: bigint, values: MeasureScalar[]): MeasureShape {
    const last = this.last;
    if (last !== undefined && this.fits(last, mvs, dims)) {
      // names, duplicates, dimension clashes and types were checked for this shape: only values remain
      for (let j = 0; j < mvs.length; j++) {
        const mv = mvs[j] as WireMeasureValue;
        values.push(parseScalar(last.types[j] ?? 'DOUBLE', mv.Value, mv.Name, unitNs));
      }
      return last;
    }
    return this.build(mvs, dims, unitNs, values);
  }

  /** True when `mvs` has the names and raw types `shape` was validated with, and none clashes with `dims`. */
  private fits(shape: MeasureShape, mvs: readonly WireMeasureValue[], dims: DimensionSet): boolean {
    if (shape.names.length !== mvs.length) return false;
    const raw = this.lastRawTypes;
    for (let j = 0; j < mvs.length; j++) {
      const mv = mvs[j];
      if (mv === undefined || mv.Name !== shape.names[j] || mv.Type !== raw[j]) return false;
    }
    // a shape checked against other dimensions still holds when none of its names is a dimension here
    return this.lastDims === dims || !shape.names.some((n) => dims.names.has(n));
  }

  private build(mvs: readonly WireMeasureValue[], dims: DimensionSet, unitNs: bigint, values: MeasureScalar[]): MeasureShape {
    const names: string[] = [];
    const types: ScalarType[] = [];
    const rawTypes: string[] = [];
    for (const mv of mvs) {
      checkName('Measure', mv.Name, MAX_MEASURE_NAME_BYTES);
      // a scan beats a Set per record for the handful of measures records have (at most 256)
      if (names.includes(mv.Name)) throw new RecordRejection(`Duplicate measure name '${mv.Name}' in MeasureValues.`);
      if (dims.names.has(mv.Name)) throw new RecordRejection(`Measure '${mv.Name}' has the same name as a dimension.`);
      const type = asScalarType(mv.Type, `Measure '${mv.Name}'`);
      values.push(parseScalar(type, mv.Value, mv.Name, unitNs));
      names.push(mv.Name);
      types.push(type);
      rawTypes.push(mv.Type);
    }
    const shape = makeShape(names, types);
    this.last = shape;
    this.lastRawTypes = rawTypes;
    this.lastDims = dims;
    return shape;
  }
}
