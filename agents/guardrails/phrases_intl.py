"""The words that claim an action in the other languages whose yes the agent takes (Spanish,
French, German; ``agents.confirmation``): refunds, cancellations, return labels and handoffs,
in the perfect and the passive ("he reembolsado", "ha sido cancelado", "a été annulée", "wurde
storniert"). Written without accents: they match the normal form of a sentence."""

import re

from agents.guardrails.phrases import GAP, Claim, Language


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


_ES_BE = r"(ha sido|han sido|fue|fueron|esta|estan|quedo|quedaron|queda|ya esta|se ha|se han|ya se ha)"
_ES_ME = r"\b(he|hemos|ya he|ya hemos|acabo de|acabamos de|te he|le he|les he|se lo he)\s+"
_ES_PERSON = r"(agente|companer[oa]|especialista|miembro del equipo|equipo|persona|supervisor[a]?|colega)"
SPANISH = Language(
    claims=(
        Claim(
            "process_refund",
            _re(
                rf"\b(reembolso|devolucion del dinero|dinero|importe|abono)\b{GAP}{{0,40}}?\b{_ES_BE}\s+(ya\s+)?"
                r"(procesad|emitid|aprobad|completad|realizad|enviad|tramitad|hech|efectuad|acreditad|abonad"
                r"|devuelt|reembolsad|en camino|en curso|en proceso|en marcha)\w*"
                rf"|{_ES_ME}(procesado|emitido|aprobado|realizado|tramitado|hecho|enviado|reembolsado|devuelto"
                r"|efectuado|acreditado|abonado)\b"
                rf"|\b{_ES_BE}\s+(reembolsad|acreditad|abonad)\w*"
                # impersonal: "se ha emitido el reembolso"
                r"|\b(ya\s+)?se\s+(ha|han|habia|habian)\s+(ya\s+)?(procesado|emitido|aprobado|completado|realizado"
                r"|enviado|tramitado|hecho|efectuado|acreditado|abonado|devuelto|ingresado|transferido)\b"
                rf"{GAP}{{0,30}}?\b(reembolso|devolucion del dinero|dinero|importe|abono)\b"
            ),
            state="refunded",
        ),
        Claim(
            "cancel_order",
            _re(
                rf"{_ES_ME}(cancelado|anulado)\b|\b{_ES_BE}\s+(ya\s+)?(cancelad|anulad)\w*"
                rf"|\b(cancelacion|anulacion)\b{GAP}{{0,40}}?\b{_ES_BE}\s+(ya\s+)?(completad|realizad|procesad|hech"
                r"|efectuad|confirmad|tramitad)\w*"
            ),
            state="cancelled",
        ),
        Claim(
            "create_return_label",
            _re(
                rf"\betiqueta\b{GAP}{{0,40}}?\b{_ES_BE}\s+(creada|generada|enviada|adjuntada|lista)"
                rf"|{_ES_ME}(creado|generado|enviado|adjuntado|mandado)\b.{{0,30}}\betiqueta"
                r"|\baqui (tiene|tienes|esta) (su|tu|la) etiqueta"
                r"|\bse\s+(ha|han)\s+(ya\s+)?(creado|generado|enviado|adjuntado|mandado)\b.{0,30}\betiqueta"
            ),
        ),
        Claim(
            "escalate_to_human",
            _re(
                rf"{_ES_ME}(escalado|transferido|pasado|derivado|remitido|avisado|informado)\b"
                rf"|\b{_ES_BE}\s+(escalad|derivad|transferid)\w*"
            ),
            _re(
                rf"\b(un|una|el|la|nuestro|nuestra)\s+{_ES_PERSON}\b.{{0,25}}\b(se pondra|le contactara|te contactara"
                r"|revisara|se encargara|atendera|respondera)"
            ),
        ),
    ),
    negation=_re(r"\b(no|nunca|ningun|ninguna|jamas|nada|todavia no|aun no)\b"),
    condition=_re(
        r"\bsi\b(?!\s*[,!.])|\b(cuando|una vez|en cuanto|tan pronto|hasta que|antes de|despues de que|a menos que"
        r"|podria|podriamos|pueda|puede|quiza|quizas)\b"
    ),
    leading=_re(r"^\W*(si\b(?!\s*[,!.])|cuando|una vez|en cuanto|tan pronto)"),
    offer=_re(
        r"(?:^|[,;:])\W*((quiere|quieres|desea|deseas|prefiere|prefieres)( que| usted que)?\b|(le|te) gustaria\b"
        r"|(puedo|debo|podemos|debemos)\b)"
    ),
    idioms=_re(r"\b(no (te |se )?preocupe?s?|no hay problema|sin problema|por supuesto|no cabe duda|desde luego)\b"),
)

_FR_BE = r"(a ete|ont ete|a bien ete|ont bien ete|est|sont|est bien|sont bien|vient d'etre|viennent d'etre)"
_FR_ME = r"\b(j'ai|nous avons|je viens de|nous venons de|on a|je vous ai|nous vous avons)\s+(bien\s+|deja\s+)?"
_FR_PERSON = r"(collegue|agent|conseiller|conseillere|specialiste|membre de (notre|l') ?equipe|equipe|responsable)"
FRENCH = Language(
    claims=(
        Claim(
            "process_refund",
            _re(
                rf"\b(remboursement|argent|montant|avoir)\b{GAP}{{0,40}}?\b{_FR_BE}\s+(deja\s+)?(effectue|traite"
                r"|emis|approuve|valide|envoye|credite|fait|initie|lance|verse|vire|en route|en cours|en chemin|parti)"
                rf"|{_FR_ME}(rembourse|effectue|traite|emis|credite|initie|lance|approuve|verse|vire)"
                rf"|\b{_FR_BE}\s+(deja\s+)?(rembourse|credite)"
                rf"|\bvous (avez ete|etes) rembourse"
            ),
            state="refunded",
        ),
        Claim(
            "cancel_order",
            _re(
                rf"\b{_FR_BE}\s+(deja\s+)?annule|{_FR_ME}annule"
                rf"|\bannulation\b{GAP}{{0,40}}?\b{_FR_BE}\s+(deja\s+)?(effectuee|confirmee|traitee|faite|validee"
                r"|prise en compte|enregistree)"
            ),
            state="cancelled",
        ),
        Claim(
            "create_return_label",
            _re(
                rf"\betiquette\b{GAP}{{0,40}}?\b{_FR_BE}\s+(creee|generee|envoyee|jointe|prete)"
                rf"|{_FR_ME}(cree|genere|envoye|joint|prepare)\b.{{0,30}}\betiquette"
                r"|\bvoici (votre|l'|l |une) ?etiquette"
            ),
        ),
        Claim(
            "escalate_to_human",
            _re(
                rf"{_FR_ME}(transmis|transfere|escalade|remonte|passe|confie|prevenu|informe)\b"
                rf"|\b{_FR_BE}\s+(transmis|transfere|escalade|remonte|confie)"
            ),
            _re(
                rf"\b(un|une|notre|le|la)\s+{_FR_PERSON}\b.{{0,25}}\b(va|vous)\s+(vous\s+)?(contacter|recontacter"
                r"|repondre|prendre le relais|examiner|rappeler)"
            ),
        ),
    ),
    negation=_re(r"\b(ne|pas|jamais|aucun|aucune|rien|non)\b|\bn'"),
    condition=_re(
        r"\b(si|s'il|s'ils|quand|lorsque|lorsqu'|des que|une fois|avant|apres|sauf si|pourrait|pourrions|peut"
        r"|pourra|pourrons)\b"
    ),
    leading=_re(r"^\W*(si|s'il|quand|lorsque|lorsqu'|des que|une fois)\b"),
    offer=_re(
        r"(?:^|[,;:])\W*((voulez|souhaitez|desirez|veux|souhaites|aimeriez)-?\s?(vous|tu)\b|(dois|puis)-je\b"
        r"|je peux\b|est-ce que je (peux|dois)\b)"
    ),
    idioms=_re(r"\b(pas de (souci|soucis|probleme)|ne vous (en )?inquietez pas|bien sur|sans (aucun )?doute)\b"),
)

_DE_BE = r"(wurde|wurden|ist|sind|habe|haben|hat)"
_DE_NOT_DONE = r"(?!\s+(werden|wird|worden\s+sein))"  # "wird erstattet werden": a promise
_DE_PERSON = r"(kolleg|mitarbeiter|spezialist|team|support|betreuer|berater)\w*"
GERMAN = Language(
    claims=(
        Claim(
            "process_refund",
            _re(
                rf"\b(ruckerstattung|erstattung|gutschrift|geld|betrag|ruckzahlung)\w*\b{GAP}{{0,40}}?\b{_DE_BE}\b"
                rf"{GAP}{{0,30}}?\b(veranlasst|bearbeitet|ausgezahlt|uberwiesen|erstattet|gutgeschrieben|durchgefuhrt"
                r"|angewiesen|freigegeben|genehmigt|ausgelost|abgeschlossen|zuruckgebucht|zuruckuberwiesen|erfolgt"
                r"|erledigt|abgewickelt|getatigt|ausgefuhrt|zuruckgezahlt|unterwegs|auf dem weg|raus)\b"
                + _DE_NOT_DONE
                + rf"|\b{_DE_BE}\b{GAP}{{0,40}}?\b(ruckerstattet|erstattet|gutgeschrieben|zuruckgebucht)\b"
                + _DE_NOT_DONE
            ),
            state="refunded",
        ),
        Claim(
            "cancel_order",
            _re(
                rf"\b{_DE_BE}\b{GAP}{{0,40}}?\b(storniert|annulliert|abgesagt|gekundigt)\b"
                + _DE_NOT_DONE
                + rf"|\b(stornierung|annullierung)\w*\b{GAP}{{0,40}}?\b{_DE_BE}\b{GAP}{{0,30}}?\b(erfolgt"
                r"|durchgefuhrt|abgeschlossen|bestatigt|erledigt|veranlasst|bearbeitet)\b" + _DE_NOT_DONE
            ),
            state="cancelled",
        ),
        Claim(
            "create_return_label",
            _re(
                rf"\b\w*(etikett|retourenschein)\w*\b{GAP}{{0,40}}?\b{_DE_BE}\b{GAP}{{0,30}}?\b(erstellt|gesendet"
                rf"|geschickt|verschickt|angehangt|beigefugt|bereit|generiert)\b"
                + _DE_NOT_DONE
                + rf"|\b{_DE_BE}\b{GAP}{{0,40}}?\b\w*(etikett|retourenschein)\w*\b{GAP}{{0,20}}?\b(erstellt|gesendet"
                r"|geschickt|verschickt|generiert)\b" + _DE_NOT_DONE + r"|\bhier ist (ihr|dein|das|ein)\s+\w*etikett"
            ),
        ),
        Claim(
            "escalate_to_human",
            _re(
                rf"\b{_DE_BE}\b{GAP}{{0,40}}?\b(weitergeleitet|eskaliert|ubergeben|weitergegeben|informiert"
                r"|benachrichtigt)\b" + _DE_NOT_DONE
            ),
            _re(rf"\b(ein|eine|unser|unsere)\s+{_DE_PERSON}\b.{{0,30}}\b(wird|meldet)\b"),
        ),
    ),
    negation=_re(r"\b(nicht|kein|keine|keinen|keiner|nie|niemals|noch nicht)\b"),
    condition=_re(r"\b(wenn|falls|sobald|bevor|nachdem|sofern|bis|konnte|konnten|kann|konnen|mochten)\b"),
    leading=_re(r"^\W*(wenn|falls|sobald|sofern)\b"),
    offer=_re(
        r"(?:^|[,;:])\W*((soll|darf|kann)\s+ich\b|(sollen|durfen|konnen)\s+wir\b|(mochten|wollen|wunschen)\s+sie\b"
        r"|(mochtest|willst)\s+du\b)"
    ),
    idioms=_re(r"\b(keine (sorge|sorgen|angst|problem)|kein problem|naturlich|ohne zweifel)\b"),
)

LANGUAGES = (SPANISH, FRENCH, GERMAN)
