// Shape of the per-language comment banks the simulator draws feedback text from.
export const COMMENT_CATEGORIES = ['product', 'customer_service', 'brand_loyalty', 'marketing_sales'] as const;
export type CommentCategory = (typeof COMMENT_CATEGORIES)[number];

export interface CommentTemplate {
  c: CommentCategory;
  /** Positive (true) or negative (false). */
  p: boolean;
  /** A complaint about waiting, favoured after long waits. */
  w?: boolean;
  /** Text; `{agent}` is replaced by the agent's first name. */
  t: string;
}

export interface CommentBank {
  templates: CommentTemplate[];
  openers: { pos: string[]; neg: string[] };
  closers: { pos: string[]; neg: string[] };
}
