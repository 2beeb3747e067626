// English lexicon. Contractions arrive split by the tokenizer ("didn't" → "did not").
import type { LexiconSource } from '../lexicon.ts';

export const en: LexiconSource = {
  sentiment: {
    // people
    'lovely': 2.5, 'kind': 2, 'kindness': 2, 'patien*': 1.5, 'polite*': 2, 'friendly': 2, 'courteous': 2,
    'professional*': 2, 'helpful': 2, 'help*': [1, -2], 'knowledgeable': 2, 'competent': 2, 'empath*': [1.5, -2],
    'listened': 1.5, 'rude*': -3, 'dismissive': -2, 'unfriendly': -2.5, 'impolite': -2.5, 'arrogant': -3,
    'unhelpful': -2.5, 'incompetent': -3, 'clueless': -2.5, 'no idea': -2, 'hung up': -2.5,
    // general evaluation
    'great': 3, 'excellent': 3, 'perfect*': 3, 'brilliant*': 3, 'amazing': 3, 'fantastic': 3, 'awesome': 3,
    'superb': 3, 'outstanding': 3, 'wonderful': 3, 'good': 1.5, 'nice*': 1.5, 'fine': 0.5, 'best': 2.5,
    'better': 1, 'happy': 2, 'satisf*': 2, 'pleased': 2, 'thank*': 1.5, 'appreciat*': 1.5, 'super': 2,
    'terrible': -3, 'awful': -3, 'horrible': -3, 'dreadful': -3, 'appalling': -3, 'disgrace*': -3,
    'disaster*': -3, 'worst': -3, 'worse': -2, 'bad': -2, 'poor': -2, 'poorly': -2, 'ridiculous': -2,
    'unacceptable': -3, 'disappoint*': -2.5, 'dissatisf*': -2.5, 'unhappy': -2.5, 'angry': -2.5, 'annoy*': -2,
    'frustrat*': -2, 'useless': -2.5, 'unusable': -3, 'had enough': -2.5, 'stop it': -1.5,
    // speed and ease
    'quick*': 1.5, 'fast': 1.5, 'speedy': 1.5, 'prompt*': 1.5, 'efficient*': 2, 'straight away': 1,
    'right away': 1, 'immediately': 1, 'on time': 1.5, 'simple': 1.5, 'easy': 1.5, 'intuitive': 2,
    'convenient': 2, 'useful': 1.5, 'clear*': 1, 'slow*': -1.5, 'painful*': -1.5, 'long': -0.5, 'endless': -2,
    'forever': -1.5, 'late': -1.5, 'delay*': -1.5, 'wait*': [-0.5, 1.5], 'hold': -0.3, 'queue*': -0.3,
    'hassle*': [-1.5, 1.5], 'complicated': -1.5,
    // outcomes
    'resolved': [2, -2], 'resolv*': [1.5, -2], 'solv*': [1.5, -2], 'solution*': [1, -2], 'fix*': [1.5, -2],
    'sorted': [2, -2], 'work*': [0.5, -2], 'problem*': [-1, 1.5], 'issue*': [-0.5, 1], 'broke*': -2,
    'faulty': -2, 'defect*': -2, 'damaged': -2, 'error*': -1.5, 'wrong': -2, 'crash*': -2, 'impossible': -2,
    'noisy': -1.5, 'dropped': -1.5, 'gave up': -2, 'apolog*': -0.5, 'reliable': 2, 'solid': 1.5, 'stable': 1,
    'sturdy': 2, 'well made': 2, 'receiv*': [0, -1.5], 'told': [0, -1.5], 'inform*': [0, -1.5],
    'notif*': [0, -1.5], 'applied': [0.5, -1.5], 'asked for': [0, -1.5], 'ordered': [0, -1], 'refund*': [0.5, -1.5], 'double charged': -1.5, 'understand': [0, -1], 'half an hour': -1, 'an hour': -1.5,
    'ca not': -1.5, 'wo not': -1.5, 'nothing': -0.5, 'let me down': [-2.5, 2],
    // money and sales
    'good value': 2, 'value for money': 2, 'cheap': 0.5, 'competitive': [1, -2], 'fair*': [1, -2],
    'expensive': -1.5, 'overpriced': -2.5, 'pricey': -1.5, 'high': -0.5, 'raised': -1, 'increase*': -1,
    'rip off': -3, 'scam*': -3, 'hidden': -1.5, 'misleading': -2.5, 'spam*': -2, 'too': -1,
    // loyalty
    'recommend*': [2, -2.5], 'advise against': -3, 'trust*': [1, -2], 'good hands': 2, 'staying with you': 2,
    'stay with you': 2, 'switching': -1.5, 'switch': -1.5, 'cancel*': -1.5, 'leave': -1, 'competitor*': -1,
  },
  topics: {
    waiting_time: ['wait*:1.5', 'hold:1.5', 'queue*:1.5', 'minutes', 'hour*', 'picked up', 'got through', 'call back', 'called me back', 'called back', 'dropped', 'answer*:0.5'],
    agent_courtesy: ['agent:0.5', 'lady:0.5', 'guy:0.5', 'kind', 'kindness', 'lovely', 'patien*', 'polite*', 'friendly', 'unfriendly', 'courteous', 'rude*', 'dismissive', 'arrogant', 'tone', 'attitude', 'manner*', 'empath*', 'listened', 'hung up', 'professional*', 'helpful:0.5', 'unhelpful'],
    agent_knowledge: ['knowledge*', 'knew', 'competent', 'incompetent', 'clueless', 'trained', 'training', 'script*', 'information:0.7', 'explanation*', 'explained:0.5', 'transferred', 'no idea', 'next steps', 'case number', 'expert*'],
    resolution: ['resolv*:1.5', 'solv*:1.5', 'solution*:1.5', 'fix*:1.5', 'sorted', 'issue:0.5', 'problem:0.5', 'fault', 'ticket', 'case', 'help*:0.5', 'apolog*', 'third time', 'promised:0.5', 'check whether'],
    product_quality: ['product*', 'quality', 'material*', 'broke*', 'faulty', 'defect*', 'work*:0.5', 'router', 'modem', 'device', 'washing machine', 'machine', 'screen', 'noisy', 'noise', 'sturdy', 'build', 'made', 'plastic', 'battery', 'connection', 'update', 'turn on', 'item'],
    delivery: ['deliver*:1.5', 'shipping:1.5', 'shipped', 'shipment', 'parcel*', 'package*', 'courier*', 'packed', 'packaging', 'arrived:0.5', 'tracking', 'received:0.5', 'dispatch*'],
    website_app: ['app:1.5', 'apps', 'website*:1.5', 'site', 'web', 'online', 'log in', 'login', 'password', 'page', 'portal', 'crash*', 'download'],
    pricing: ['price*:1.5', 'pricing', 'expensive', 'overpriced', 'cheap*', 'plan', 'fee*', 'tariff', 'raised', 'value for money', 'paid', 'cost*'],
    billing: ['bill:1.5', 'bills', 'billing', 'billed', 'invoice*:1.5', 'charged:1.5', 'charge*', 'refund*', 'payment*', 'card', 'hidden fees', 'statement'],
    communication: ['email*', 'e mail*', 'newsletter*', 'sms', 'text message*', 'message*', 'communication*:1.5', 'advertis*', 'promotional', 'call me every', 'unsubscribe', 'spam*', 'updates', 'notif*', 'told me:0.5', 'informed'],
    offers: ['offer*', 'promo*', 'discount*', 'deal*', 'bundle*', 'sales:0.5', 'salesperson', 'sales rep', 'sold', 'contract:0.5', 'activated', 'upgrade*'],
    churn_intent: ['cancel*:2', 'switch*:2', 'leav*:1.5', 'moving to', 'competitor*', 'staying', 'stay with', 'contract ends', 'provider'],
    advocacy: ['recommend*:2', 'advise against:2', 'friends', 'customer for:1.5', 'years', 'the best:0.5'],
    trust: ['trust*:1.5', 'reliable:1.5', 'company:0.7', 'brand', 'reputation', 'good hands', 'honest*', 'serious', 'loyal customers', 'let me down', 'disaster:0.5'],
  },
  negators: ['not', 'no:2', 'never', 'nobody', 'nothing', 'none', 'without:2', 'neither', 'nor', 'hardly', 'zero:1', 'cannot', 'ca not', 'wo not'],
  hypothetical: ['if', 'whether', 'unless'],
  modifiers: {
    'very': 1.5, 'really': 1.5, 'so': 1.3, 'too': 2.5, 'extremely': 2, 'incredibly': 1.8, 'super': 1.8,
    'absolutely': 1.8, 'totally': 1.5, 'completely': 1.5, 'truly': 1.5, 'highly': 1.5, 'strongly': 1.5,
    'seriously': 1.3, 'far': 1.3, 'painfully': 1.5, 'fairly': 0.8, 'quite': 0.8, 'somewhat': 0.6,
    'slightly': 0.5, 'a bit': 0.6, 'a little': 0.6, 'pretty': 1.2,
  },
  contrast: ['but', 'however', 'although', 'except'],
};
