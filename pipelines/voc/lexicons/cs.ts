// Czech lexicon. Stems cover case and gender endings (ochotn* → ochotný, ochotná, ochotně);
// entries are folded, so text typed without diacritics matches too. Verbs and adjectives
// negated by a "ne" prefix (nefunguje, nepomohli) are handled by the classifier, so only
// words whose negated form means something else are listed separately.
import type { LexiconSource } from '../lexicon.ts';

export const cs: LexiconSource = {
  negPrefix: true,
  sentiment: {
    // people
    'mil*': 2, 'ochotn*': 2, 'příjemn*': 2, 'vstřícn*': 2, 'trpěliv*': 1.5, 'slušn*': 1, 'zdvořil*': 2,
    'profesionál*': 2, 'znal*': 1.5, 'kompetentn*': 2, 'zdatn*': 1.5, 'odborn*': 1, 'srozumiteln*': 1.5,
    'empati*': [1.5, -2], 'vyslechnut*': 1.5, 'ochot*': 1.5,
    'neochotn*': -2.5, 'nepříjemn*': -2.5, 'nekompetentn*': -3, 'drz*': -3, 'arogant*': -3, 'hrub*': -2.5,
    'nevrl*': -2, 'zavěsil*': -2, 'skák* do řeči': -2, 'skák*': -1,
    // general evaluation
    'skvěl*': 3, 'výborn*': 3, 'vynikaj*': 3, 'perfektn*': 3, 'úžasn*': 3, 'super': 2, 'dobr*': 1.5,
    'pěkn*': 1.5, 'hezk*': 1.5, 'spokojen*': 2, 'nespokojen*': -2.5, 'děkuj*': 1.5, 'díky': 1.5, 'dík': 1.5,
    'nejlep*': 2.5, 'lepší': 1, 'kvalitn*': 2, 'v pořádku': 1,
    'hrozn*': -3, 'hrůz*': -3, 'straš*': -2.5, 'příšern*': -3, 'otřesn*': -3, 'katastrof*': -3,
    'mizern*': -3, 'špatn*': -2, 'nejhorš*': -3, 'horš*': -2, 'nepoužiteln*': -3, 'nepřijateln*': -3,
    'neschopn*': -3, 'zklaman*': -2.5, 'zklam*': [-2.5, 2], 'naštv*': -2.5, 'otrav*': -2, 'zbyteč*': -2,
    'k ničemu': -2.5, 'ostud*': -3, 'nehorázn*': -3, 'mám dost': -2.5, 'nechte': -1, 'a nic': -1.5,
    // speed and ease
    'rychl*': 1.5, 'hned': 1, 'včas': 1.5, 'okamžit*': 1.5, 'efektivn*': 2, 'jednoduch*': 1.5, 'snadn*': 1.5,
    'přehledn*': 2, 'pohodln*': 2, 'jasn*': 1, 'užitečn*': 1.5,
    'pomal*': -1.5, 'dlouh*': -0.5, 'nekonečn*': -2, 'zpoždě*': -1.5, 'zpozd*': -1.5, 'čekal*': [-0.5, 1.5],
    'čekán*': [-0.5, 1.5], 'front*': -0.5, 'komplikac*': [-1.5, 1.5], 'složit*': -1.5,
    // outcomes
    'vyřeš*': [2, -2], 'řešen*': [1, -2], 'vyříz*': [1.5, -1.5], 'pomoh*': [1, -2], 'pomoc*': [1, -2],
    'pomáh*': [1, -2], 'funguj*': [0.5, -2], 'fungova*': [0.5, -2], 'problém*': [-1, 1.5], 'potíž*': [-1, 1.5],
    'rozbi*': -2, 'poruch*': -1.5, 'vadn*': -2, 'poškoz*': -2, 'chyb*': -1.5, 'padá': -1.5, 'spadl*': -1.5,
    'spadne': -1.5, 'zamrz*': -1.5, 'nejde': -1.5, 'hluč*': -1.5, 'hluk*': -1.5, 'omluv*': -0.5,
    'spolehliv*': 2, 'solidn*': 1.5, 'stabiln*': 1, 'pevn*': 1, 'dostal*': [0, -1.5], 'informova*': [0, -1.5],
    'odpověd*': [0.5, -1.5], 'zved*': [0, -1.5], 'vrátil*': [0.5, -1.5], 'vrát*': [0.5, -1.5],
    'upozorn*': [0, -1.5], 'uplatněn*': [0.5, -1.5], 'stál': [0, -1.5], 'objedna*': [0, -1.5], 'cháp*': [0, -1], 'věděl*': [0, -1.5], 'pozd*': -1, 'půl hodiny': -1, 'hodinu': -1.5,
    // money and sales
    'výhodn*': [2, -2], 'levn*': 0.5, 'korektn*': 1.5, 'fér': [1, -2], 'drah*': -1.5, 'vysok*': -0.5,
    'zdraž*': -1.5, 'zloděj*': -3, 'podvod*': -3, 'klamav*': -2.5, 'skryt*': -1.5, 'spam': -2, 'příliš': -1,
    // loyalty
    'doporuč*': [2, -2.5], 'věř*': [1, -2], 'důvěr*': [1.5, -2], 'zůstáv*': 1, 'zůstanu': 1, 'dobrých rukou': 2,
    'zruš*': -1.5, 'odcház*': -1.5, 'odejít': -1, 'přechod*': -0.5, 'konkuren*': -1,
  },
  topics: {
    waiting_time: ['čeká*:1.5', 'čekal*:1.5', 'čekac*:1.5', 'front*', 'na lince', 'lince', 'minut*', 'hodin*', 'dovola*', 'zpátky', 'zpět', 'spojili', 'hudb*', 'hovor spadl'],
    agent_courtesy: ['operátor*:0.5', 'paní:0.5', 'pán:0.5', 'mil*', 'ochotn*', 'neochotn*', 'příjemn*', 'nepříjemn*', 'vstřícn*', 'trpěliv*', 'slušn*', 'zdvořil*', 'drz*', 'arogant*', 'hrub*', 'nevrl*', 'přístup', 'jednání', 'zavěsil*', 'skák*', 'do řeči', 'vyslechnut*', 'profesionál*', 'empati*', 'ochot*', 'tón'],
    agent_knowledge: ['znal*', 'kompetentn*', 'nekompetentn*', 'odborn*', 'zdatn*', 'informace:0.7', 'vysvětl*:0.5', 'scénář*', 'přepoj*', 'kolegy', 'kolegů', 'věděl*', 'poradil*', 'odpověd*', 'postup', 'školen*'],
    resolution: ['vyřeš*:1.5', 'řešen*:1.5', 'vyříz*:1.5', 'problém:0.5', 'poruch*', 'požadav*', 'tiket*', 'reklamac*', 'pomoh*', 'pomoc*', 'omluv*', 'potřetí', 'slíbil*:0.5', 'ověřit', 'technik*'],
    product_quality: ['výrob*', 'produkt*', 'kvalit*', 'materiál*', 'rozbi*', 'vadn*', 'funguj*:0.5', 'fungova*:0.5', 'modem', 'router', 'pračk*', 'zaříz*', 'přístroj*', 'displej*', 'obrazovk*', 'hluč*', 'hluk*', 'plast*', 'bateri*', 'připojen*', 'aktualizac*', 'zpracova*', 'zapnout'],
    delivery: ['doruč*:1.5', 'dodán*:1.5', 'dodac*', 'zásilk*:1.5', 'balík*', 'kurýr*', 'přepravc*', 'zabal*', 'přišl*:0.5', 'dostal:0.3', 'zpozd*', 'zpožd*', 'doma:0.5', 'lísteč*', 'doprav*'],
    website_app: ['aplikac*:1.5', 'appk*:1.5', 'app', 'web*:1.5', 'stránk*', 'portál*', 'přihlás*', 'heslo', 'online', 'eshop', 'padá', 'stáhn*'],
    pricing: ['cen*:1.5', 'drah*', 'levn*', 'tarif*', 'paušál*', 'zdraž*', 'výhodn*:0.5', 'platil', 'výkon'],
    billing: ['vyúčtován*:1.5', 'faktur*:1.5', 'účet:0.5', 'účtu', 'strženo', 'strh*', 'platb*', 'vratk*', 'vrác*', 'peníze', 'peněz', 'poplat*', 'kart*', 'přeplat*'],
    communication: ['e mail*', 'email*', 'mail*', 'newsletter*', 'sms', 'zpráv*', 'komunikac*:1.5', 'reklam*', 'volají', 'telefonát*', 'odhlás*', 'spam', 'informova*', 'upozorn*', 'novink*'],
    offers: ['nabídk*', 'nabíd*', 'akc*', 'slev*', 'balíček', 'balíčk*', 'prodej*', 'prodal*', 'obchodník*', 'smlouv*:0.5', 'aktivova*'],
    churn_intent: ['zruš*:2', 'výpověď*:2', 'výpověd*:2', 'odcház*:2', 'odejít:2', 'odejdu:2', 'přechod*:1.5', 'přejdu', 'konkurenc*', 'zůstáv*:2', 'zůstanu:1', 'skončí', 'jinam:1.5', 'zvažuj*'],
    advocacy: ['doporuč*:2', 'známým', 'přátel*', 'zákazníkem:1.5', 'let', 'nejlepší:0.5'],
    trust: ['věř*:1.5', 'důvěr*:1.5', 'spolehliv*:1.5', 'seriózn*', 'solidn*', 'značk*', 'firma:0.7', 'firm*:0.5', 'pověst*', 'dobrých rukou', 'poctiv*', 'zklam*:0.7', 'katastrof*:0.5', 'stálým'],
  },
  negators: ['ne', 'není', 'nebyl*', 'nebude', 'nemá*', 'nejde', 'nelze', 'žádn*:2', 'nikdy', 'nikdo', 'nic', 'bez:1', 'ani', 'nikomu', 'nikoho', 'nijak', 'nula:1'],
  hypothetical: ['jestli', 'jestliže', 'zda', 'pokud', 'kdyby'],
  modifiers: {
    'velmi': 1.5, 'velice': 1.5, 'moc': 1.5, 'hodně': 1.5, 'opravdu': 1.5, 'fakt': 1.3, 'úplně': 1.5,
    'naprosto': 1.8, 'absolutně': 1.8, 'extrémně': 2, 'nesmírně': 2, 'strašně': 2, 'hrozně': 2, 'příliš': 2.5,
    'super': 1.8, 'tak': 1.2, 'vůbec': 1.5, 'rozhodně': 1.5, 'vřele': 1.5, 'trochu': 0.6, 'docela': 0.8,
    'celkem': 0.8, 'poměrně': 0.8,
  },
  contrast: ['ale', 'jenže', 'avšak', 'však', 'ovšem', 'přesto'],
};
