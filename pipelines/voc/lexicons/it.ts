// Italian lexicon: stems cover gender/number/superlative endings (gentil* → gentile,
// gentilissima). Weights on a ±3 scale; pairs are [plain, negated].
import type { LexiconSource } from '../lexicon.ts';

export const it: LexiconSource = {
  sentiment: {
    // people
    'gentil*': 2, 'cortes*': 2, 'disponibil*': 2, 'professional*': 2, 'competent*': 2, 'prepar*': 1.5,
    'pazien*': 1.5, 'simpatic*': 2, 'educat*': 1, 'empatic*': 2, 'empatia': [1.5, -2], 'ascoltat*': 1.5,
    'maleducat*': -3, 'scortes*': -3, 'sgarbat*': -3, 'arrogant*': -3, 'sbrigativ*': -2, 'antipatic*': -2,
    'scorrett*': -2.5, 'incompetent*': -3, 'imprepar*': -2.5, 'interrott*': -1.5, 'interromp*': -1.5,
    'chiuso il telefono': -2.5, 'attaccato il telefono': -2.5, 'in faccia': -1,
    // general evaluation
    'ottim*': 3, 'eccellent*': 3, 'perfett*': 3, 'fantastic*': 3, 'straordinari*': 3, 'splendid*': 3,
    'impeccabil*': 3, 'magnific*': 3, 'brav*': 2, 'buon*': 1.5, 'bell*': 1.5, 'benissimo': 3, 'bene': 1.5,
    'meglio': 1.5, 'miglior*': 2, 'top': 2, 'super': 2, 'complimenti': 2.5, 'grazie': 1.5, 'ringrazi*': 1.5,
    'soddisfatt*': 2, 'contento': 2, 'contenta': 2, 'contenti': 2, 'felic*': 2, 'finalmente': 0.5,
    'pessim*': -3, 'terribil*': -3, 'orribil*': -3, 'schif*': -3, 'disastr*': -3, 'scandal*': -3,
    'vergogn*': -3, 'inaccettabil*': -3, 'assurd*': -2, 'ridicol*': -2, 'delus*': -2.5, 'deludent*': -2.5,
    'insoddisfatt*': -2.5, 'arrabbiat*': -2.5, 'stufo': -2, 'stufa': -2, 'male': -1.5, 'peggi*': -2.5,
    'brutt*': -2, 'cattiv*': -2, 'scars*': -2, 'inutil*': -2.5, 'inutilizzabil*': -3, 'non ne posso più': -2.5,
    'basta': -1.5, 'accettabil*': [1, -2], 'normale': [0.3, -1.5], 'ok': 0.5,
    // speed and ease
    'veloc*': 1.5, 'rapid*': 1.5, 'subito': 1, 'puntual*': 2, 'efficien*': 2, 'efficac*': 2, 'tempestiv*': 2,
    'chiar*': 1.5, 'semplic*': 1.5, 'facil*': 1.5, 'intuitiv*': 2, 'comod*': 2, 'utile': 1.5, 'utili': 1.5,
    'lent*': -1.5, 'lung*': -0.5, 'infinit*': -2, 'interminabil*': -2.5, 'ritard*': -1.5, 'attes*': [-0.5, 1.5],
    'aspett*': [-0.5, 1], 'coda': -0.5, 'complicat*': -1.5, 'complicazion*': -1.5, 'difficil*': -1.5,
    // outcomes
    'risolt*': [2, -2], 'risolv*': [1.5, -2], 'soluzion*': [1, -2], 'aiut*': [1, -2], 'funzion*': [0.5, -2],
    'problem*': [-1, 1.5], 'rott*': -2, 'guast*': -1.5, 'difett*': -2, 'danneggiat*': -2, 'error*': -1.5,
    'sbagliat*': -2, 'bloc*': -1.5, 'crash*': -2, 'impossibil*': -2, 'introvabil*': -2, 'cade*': -1,
    'rumor*': -1.5, 'robust*': 2, 'solid*': 1.5, 'stabil*': 1, 'curat*': 1.5, 'scus*': -0.5,
    'rimbors*': [0.5, -1.5], 'ricev*': [0, -1.5], 'avvis*': [0, -1.5], 'informat*': [0, -1.5],
    'arrivat*': [0, -1.5], 'richiest*': [0, -1.5], 'chiest*': [0, -1.5], 'applicat*': [0.5, -1.5], 'capisc*': [0, -1], 'sapev*': [0, -1.5], 'sap*': [0, -1], 'e niente': -1.5, 'corrett*': [1, -2], 'nella norma': 0.5, 'mezz ora': -1, 'un ora': -1.5, 'ore di attesa': -1.5, 'rispost*': [0.5, -1.5], 'richiamat*': [0.5, -1.5], 'tempo perso': -2, 'spreco': -2,
    // money and sales
    'conveni*': [2, -2], 'vantaggios*': 2, 'economic*': 0.5, 'caro': -1.5, 'cara': -1.5, 'cari': -1.5, 'care': -1.5,
    'costos*': -1.5, 'alti': -0.5, 'alta': -0.5, 'alto': -0.5, 'aument*': -1, 'furto': -3, 'truff*': -3,
    'ladri': -3, 'nascost*': -1.5, 'ingann*': -2.5, 'spam': -2, 'tropp*': -1,
    // loyalty
    'consigli*': [2, -2.5], 'raccomand*': [2, -2.5], 'sconsigli*': -3, 'affidabil*': 2, 'fiducia': [1.5, -2],
    'fid*': [1, -2], 'buone mani': 2, 'resto con voi': 2, 'rimango con voi': 2, 'disdir*': -1.5,
    'cambio gestore': -1.5, 'cambiare gestore': -1.5, 'concorren*': -1, 'andarmene': -1,
  },
  topics: {
    waiting_time: ['attes*:1.5', 'aspett*:1.5', 'atteso:1.5', 'coda', 'in linea', 'minut*', 'mezz ora', 'un ora', 'tempi', 'musich*', 'centralin*', 'richiamat*', 'risposto subito', 'linea'],
    agent_courtesy: ['operator*:0.5', 'operatric*:0.5', 'gentil*', 'cortes*', 'scortes*', 'maleducat*', 'educat*', 'sgarbat*', 'arrogant*', 'sbrigativ*', 'simpatic*', 'antipatic*', 'disponibil*', 'pazien*', 'tono', 'empatia', 'empatic*', 'ascoltat*', 'interrott*', 'interromp*', 'chiuso il telefono', 'in faccia', 'professional*', 'ringrazi*', 'ragazza:0.5', 'signora:0.5', 'persona:0.5'],
    agent_knowledge: ['competent*', 'incompetent*', 'prepar*', 'imprepar*', 'sapev*', 'conosc*', 'informazion*:0.7', 'spiegazion*', 'copione', 'risposta giusta', 'risposte', 'colleg*', 'trasferit*', 'istruzion*', 'formazione', 'espert*', 'numero della pratica'],
    resolution: ['risolt*:1.5', 'risolv*:1.5', 'soluzion*:1.5', 'problema:0.5', 'guasto', 'ticket', 'pratica', 'segnalazion*', 'aiut*', 'richiamare', 'terza volta', 'promess*:0.5', 'scus*', 'verificar*', 'sistemat*', 'intervento', 'tecnico'],
    product_quality: ['prodott*', 'qualit*', 'material*', 'rott*', 'difett*', 'funzion*:0.5', 'modem', 'router', 'lavatric*', 'dispositiv*', 'apparecch*', 'schermo', 'rumor*', 'robust*', 'ben fatto', 'plastica', 'batteri*', 'connession*', 'aggiornamento', 'accende', 'articolo'],
    delivery: ['consegn*:1.5', 'spedizion*:1.5', 'spedit*', 'pacc*', 'corrier*', 'imballaggi*', 'arrivat*:0.5', 'ricevut*:0.5', 'ricev*:0.5', 'tracking', 'ritiro', 'in casa'],
    website_app: ['app:1.5', 'applicazion*:1.5', 'sito:1.5', 'web', 'online', 'login', 'accesso', 'password', 'pagina', 'area clienti', 'portale', 'crash*', 'bloc*:0.5', 'scaricar*'],
    pricing: ['prezz*:1.5', 'caro', 'cari', 'costos*', 'tariff*', 'canone', 'aument*', 'conveni*', 'spend*', 'listino', 'qualità prezzo'],
    billing: ['bollett*:1.5', 'fattur*:1.5', 'addebit*:1.5', 'rimbors*', 'pagament*', 'carta', 'importo', 'costi nascosti', 'nascost*'],
    communication: ['email', 'e mail', 'mail', 'newsletter', 'sms', 'messagg*', 'comunicazion*:1.5', 'pubblicit*', 'promozional*', 'avvis*', 'chiamano', 'telefonat*', 'disiscriv*', 'spam', 'notific*', 'novità'],
    offers: ['offert*', 'promozione', 'promo', 'scont*', 'pacchett*', 'vendit*', 'venditor*', 'vendut*', 'commerciale', 'contratto:0.5', 'attivat*', 'attivazion*', 'propost*'],
    churn_intent: ['disdi*:2', 'disdett*:2', 'recesso', 'cambio gestore:2', 'cambiare gestore:2', 'gestore', 'passare alla', 'andarmene:2', 'me ne vado:2', 'lasciare', 'resto con voi:2', 'rimango con voi:2', 'scadenza', 'valutando'],
    advocacy: ['consigli*:2', 'sconsigli*:2', 'raccomand*:2', 'amici', 'cliente da:1.5', 'anni', 'sceglier*', 'migliori:0.5'],
    trust: ['fid*:1.5', 'fiducia:1.5', 'affidabil*:1.5', 'seri*', 'marchio', 'azienda:0.7', 'brand', 'reputazione', 'buone mani', 'onest*', 'disastro:0.5', 'clienti storici'],
  },
  negators: ['non', 'nessun:2', 'nessuna:2', 'nessuno', 'niente', 'nulla', 'mai', 'né', 'senza:2', 'neanche', 'nemmeno', 'neppure', 'poco:1', 'zero:1', 'mica'],
  hypothetical: ['se', 'qualora', 'eventualmente'],
  modifiers: {
    'molto': 1.5, 'affatto': 1.5, 'davvero': 1.5, 'veramente': 1.5, 'proprio': 1.3, 'tropp*': 2.5, 'estremamente': 2, 'super': 1.8,
    'assolutamente': 1.8, 'particolarmente': 1.5, 'incredibilmente': 1.8, 'vivamente': 1.5, 'tanto': 1.3,
    'così': 1.3, 'abbastanza': 0.7, 'piuttosto': 0.8, 'leggermente': 0.6, 'un po': 0.6, 'quasi': 0.7,
  },
  contrast: ['ma', 'però', 'tuttavia', 'eppure', 'peccato che'],
};
