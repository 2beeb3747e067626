// The fixed VoC taxonomy: four categories (issue 8) and the subcategories each owns.
export const CATEGORIES = ['product', 'customer_service', 'brand_loyalty', 'marketing_sales'] as const;
export type Category = (typeof CATEGORIES)[number];

export const SUBCATEGORIES = {
  waiting_time: 'customer_service',
  agent_courtesy: 'customer_service',
  agent_knowledge: 'customer_service',
  resolution: 'customer_service',
  product_quality: 'product',
  delivery: 'product',
  website_app: 'product',
  pricing: 'marketing_sales',
  billing: 'marketing_sales',
  communication: 'marketing_sales',
  offers: 'marketing_sales',
  churn_intent: 'brand_loyalty',
  advocacy: 'brand_loyalty',
  trust: 'brand_loyalty',
} as const satisfies Record<string, Category>;
export type BuiltInSubcategory = keyof typeof SUBCATEGORIES;

/** Used when a comment names no topic at all. */
export const FALLBACK_TOPIC = { category: 'customer_service' as Category, subcategory: 'other' };

export const SENTIMENT_LABELS = ['negative', 'neutral', 'positive'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

/** Languages with a built-in lexicon. */
export const LEXICON_LANGUAGES = ['it', 'cs', 'en'] as const;
export type LexiconLanguage = (typeof LEXICON_LANGUAGES)[number];

export function categoryOf(subcategory: string): Category | undefined {
  return (SUBCATEGORIES as Record<string, Category>)[subcategory];
}
