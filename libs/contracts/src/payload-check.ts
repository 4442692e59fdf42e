import { ValidationTypes, getMetadataStorage } from 'class-validator';
import type { ValidationArguments, ValidatorConstraintInterface } from 'class-validator';
import { createRequire } from 'node:module';

/**
 * A fast yes for valid payloads, from the very constraints the payload classes declare.
 *
 * `validatePayload` converts a value into class instances (class-transformer) and then runs
 * class-validator, which looks up and groups each class's metadata and builds an error object per
 * property on every call. For the events a consumer sees, nearly all valid, that was most of the
 * cost of handling one: about a fifth of history's CPU time.
 *
 * Here each payload class is compiled once into a checker that walks the plain value the way
 * class-validator's executor walks the instance, calling the same constraint objects with the same
 * arguments:
 * - every property with metadata is checked, present or not; a property without any is refused
 *   (`whitelist` with `forbidNonWhitelisted`), and so is a class without metadata
 *   (`forbidUnknownValues`);
 * - conditions (`@IsOptional`, `@ValidateIf`) that do not hold skip the property's checks;
 * - `@IsDefined`, then the constraint validators (async ones are skipped, as `validateSync` does);
 * - `@ValidateNested` recurses into the class that `@Type` names, for an object or each item of an
 *   array.
 *
 * It only ever answers "valid" or "not sure": anything it does not mirror exactly (a constraint
 * applied to each item of a Set or Map, an object or array where no nested class is declared, a
 * condition that throws, a value class-transformer would change) makes it answer "not sure", and so
 * does every failure. The caller then runs the full validation, which
 * decides and explains. A property test holds the two to the same answer on thousands of valid and
 * broken payloads.
 */
export type PayloadCheck = (value: unknown) => boolean;

interface PropertyCheck {
  readonly property: string;
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  readonly defined: readonly ConstraintCall[];
  readonly constraints: readonly ConstraintCall[];
  /** Classes of `@ValidateNested` (one per decorator), undefined when one has no `@Type`. */
  readonly nested: readonly ((() => PayloadCheck) | undefined)[];
}

interface ConstraintCall {
  readonly each: boolean;
  readonly constraints: unknown[];
  readonly validateIf: ((object: object, value: unknown) => boolean) | undefined;
  readonly validators: readonly ValidatorConstraintInterface[];
}

interface ValidationMetadataShape {
  readonly type: string;
  readonly propertyName: string;
  readonly constraints: unknown[];
  readonly constraintCls: new (...args: unknown[]) => unknown;
  readonly each?: boolean;
  readonly validateIf?: (object: object, value: unknown) => boolean;
}

interface TypeMetadataShape {
  readonly typeFunction: () => unknown;
  readonly options?: { readonly discriminator?: unknown };
}

interface TransformerMetadata {
  findTypeMetadata(target: unknown, property: string): TypeMetadataShape | undefined;
  getStrategy(target: unknown): string;
  getExposedMetadatas(target: unknown): unknown[];
  getExcludedMetadatas(target: unknown): unknown[];
  findTransformMetadatas(target: unknown, property: string, transformationType: number): unknown[];
}

// class-transformer keeps its decorators' metadata here; its index does not export it.
const { defaultMetadataStorage } = createRequire(import.meta.url)('class-transformer/cjs/storage.js') as {
  defaultMetadataStorage: TransformerMetadata;
};

const compiled = new WeakMap<object, PayloadCheck>();

/** The checker of a payload class, compiled on first use. */
export function payloadCheck(type: new () => object): PayloadCheck {
  let check = compiled.get(type);
  if (!check) {
    check = compile(type);
    compiled.set(type, check);
  }
  return check;
}

const NOT_SURE: PayloadCheck = () => false;

function compile(type: new () => object): PayloadCheck {
  const storage = getMetadataStorage();
  // As class-validator's executor asks for a root object: no schema, no groups, not `always`.
  const metadatas = storage.getTargetValidationMetadatas(
    type,
    undefined as unknown as string,
    false,
    false,
    undefined,
  ) as unknown as ValidationMetadataShape[];
  if (metadatas.length === 0) return NOT_SURE;
  const byProperty = new Map<string, ValidationMetadataShape[]>();
  for (const metadata of metadatas)
    byProperty.set(metadata.propertyName, [...(byProperty.get(metadata.propertyName) ?? []), metadata]);
  if (!transformsPlainly(type, byProperty.keys())) return NOT_SURE;

  const properties: PropertyCheck[] = [];
  for (const [property, entries] of byProperty) {
    const conditions: ((object: object, value: unknown) => boolean)[] = [];
    const defined: ConstraintCall[] = [];
    const constraints: ConstraintCall[] = [];
    const nested: ((() => PayloadCheck) | undefined)[] = [];
    for (const metadata of entries) {
      switch (metadata.type) {
        case ValidationTypes.WHITELIST:
          break;
        case ValidationTypes.CONDITIONAL_VALIDATION:
          conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
          break;
        case ValidationTypes.IS_DEFINED:
          defined.push(constraintCall(metadata));
          break;
        case ValidationTypes.CUSTOM_VALIDATION:
          constraints.push(constraintCall(metadata));
          break;
        case ValidationTypes.NESTED_VALIDATION:
          nested.push(nestedClass(type, property));
          break;
        default:
          // Promise validation, or a kind this was not written for.
          return NOT_SURE;
      }
    }
    // A @Type without @ValidateNested converts what the constraints then see (e.g. into a number).
    if (nested.length === 0 && defaultMetadataStorage.findTypeMetadata(type, property) !== undefined) return NOT_SURE;
    properties.push({ property, conditions, defined, constraints, nested });
  }
  const known = new Set(byProperty.keys());
  // class-transformer starts from `new type()`: a declared field without metadata, or one with a
  // default value, would be in the instance it validates whatever the value holds.
  const blank = new type() as Record<string, unknown>;
  if (Object.keys(blank).some((key) => !known.has(key) || blank[key] !== undefined)) return NOT_SURE;
  const targetName = type.name;

  return (value: unknown): boolean => {
    if (!isPlainObject(value)) return false;
    for (const key in value) if (!known.has(key)) return false;
    try {
      for (const property of properties) {
        if (!propertyIsValid(value, property, targetName)) return false;
      }
    } catch {
      // A condition or constraint written for class instances; the full validation decides.
      return false;
    }
    return true;
  };
}

function propertyIsValid(object: Record<string, unknown>, check: PropertyCheck, targetName: string): boolean {
  const value = object[check.property];
  // class-transformer rebuilds objects it has no @Type for (dropping some keys, turning a Set into
  // an array): only a nested class's values, and lists of plain values, are checked as they came.
  if (check.nested.length === 0 && value !== null && typeof value === 'object' && !isListOfPlainValues(value))
    return false;
  for (const condition of check.conditions) if (!condition(object, value)) return true;
  for (const call of check.defined) if (!constraintHolds(object, value, call, check.property, targetName)) return false;
  for (const call of check.constraints)
    if (!constraintHolds(object, value, call, check.property, targetName)) return false;
  if (value === undefined) return true;
  for (const nested of check.nested) {
    if (!nested) return false;
    const items = Array.isArray(value) ? value : [value];
    if (value instanceof Set || value instanceof Map) return false;
    const nestedCheck = nested();
    for (const item of items) if (!nestedCheck(item)) return false;
  }
  return true;
}

function constraintHolds(
  object: Record<string, unknown>,
  value: unknown,
  call: ConstraintCall,
  property: string,
  targetName: string,
): boolean {
  if (call.validateIf && !call.validateIf(object, value)) return true;
  if (call.each && (value instanceof Set || value instanceof Map)) return false;
  const args: ValidationArguments = { targetName, property, object, value, constraints: call.constraints };
  // As class-validator does: a constraint `each` is asked of every item of an array, with the whole
  // array in its arguments; of anything else, of the value itself.
  const subjects: readonly unknown[] = call.each && Array.isArray(value) ? value : [value];
  for (const validator of call.validators)
    for (const subject of subjects) if (validator.validate(subject, args) !== true) return false;
  return true;
}

function constraintCall(metadata: ValidationMetadataShape): ConstraintCall {
  const validators = getMetadataStorage()
    .getTargetValidatorConstraints(metadata.constraintCls)
    // validateSync skips asynchronous constraints.
    .filter((constraint) => !constraint.async)
    .map((constraint) => constraint.instance);
  return {
    each: metadata.each === true,
    constraints: metadata.constraints,
    validateIf: metadata.validateIf,
    validators,
  };
}

/** The checker of the class `@Type` gives the property, resolved lazily (classes may refer to each other). */
function nestedClass(type: new () => object, property: string): (() => PayloadCheck) | undefined {
  const typeMetadata = defaultMetadataStorage.findTypeMetadata(type, property);
  if (!typeMetadata || typeMetadata.options?.discriminator !== undefined) return undefined;
  return () => {
    const nestedType = typeMetadata.typeFunction();
    return typeof nestedType === 'function' ? payloadCheck(nestedType as new () => object) : NOT_SURE;
  };
}

/** class-transformer copies the value unchanged into the instance: no @Expose, @Exclude or @Transform. */
function transformsPlainly(type: new () => object, properties: Iterable<string>): boolean {
  const storage = defaultMetadataStorage;
  if (
    storage.getStrategy(type) !== 'none' ||
    storage.getExposedMetadatas(type).length > 0 ||
    storage.getExcludedMetadatas(type).length > 0
  )
    return false;
  // TransformationType.PLAIN_TO_CLASS is 0.
  for (const property of properties) if (storage.findTransformMetadatas(type, property, 0).length > 0) return false;
  return true;
}

/** An array of strings, numbers, booleans or nulls (no holes): class-transformer copies it item for item. */
function isListOfPlainValues(value: object): boolean {
  if (!Array.isArray(value)) return false;
  for (let index = 0; index < value.length; index += 1) {
    if (!(index in value)) return false;
    const item: unknown = value[index];
    if (item !== null && typeof item === 'object') return false;
    if (typeof item === 'function' || typeof item === 'symbol' || typeof item === 'bigint' || item === undefined)
      return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  // Object.prototype of this realm or another one (a vm context, a worker's structured clone).
  return (
    prototype === null ||
    (Object.getPrototypeOf(prototype) === null && Object.prototype.toString.call(value) === '[object Object]')
  );
}
