export type DatabaseKind = "sqlite" | "postgres";
export declare function databaseKind(url: string): DatabaseKind;
export declare function sqliteFilePath(url: string): string;
