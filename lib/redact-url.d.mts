export declare function redactQueryCredentials(url: string): string;
export declare function redactUrl(url: string): string;
