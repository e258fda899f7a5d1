// Types of schema-validators.generated.js (written by scripts/nft-validators.ts).
import type { ValidateFunction } from 'ajv';

export declare const envelope: ValidateFunction;
export declare const item: ValidateFunction;
export declare const table: ValidateFunction;
export declare const tableRef: ValidateFunction;
export declare const chain: ValidateFunction;
export declare const chainRef: ValidateFunction;
export declare const rule: ValidateFunction;
export declare const set: ValidateFunction;
export declare const map: ValidateFunction;
export declare const setRef: ValidateFunction;
export declare const element: ValidateFunction;
export declare const statement: ValidateFunction;
export declare const expression: ValidateFunction;
