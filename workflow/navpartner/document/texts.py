"""The report's own wording in bokmål and English (definitions live in config.yaml)."""

TEXTS = {
    "title": {
        "nb": "Nav-partnerskapet sett fra kommunene og Nav-kontorene",
        "en": "The Nav partnership as seen from the municipalities and the Nav offices",
    },
    "subtitle": {
        "nb": "Evalueringsrapport: kommune- og kontorundersøkelsen {waves}",
        "en": "Evaluation report: the municipal and office surveys {waves}",
    },
    "title_surveys": {"nb": "Undersøkelser", "en": "Surveys"},
    "title_data": {"nb": "Datagrunnlag", "en": "Data"},
    "title_made": {
        "nb": "Laget av navpartner-arbeidsflyten fra data og config.yaml; se vedlegg C.",
        "en": "Made by the navpartner workflow from the data and config.yaml; see appendix C.",
    },
    "contents": {"nb": "Innhold", "en": "Contents"},
    "summary": {"nb": "Sammendrag", "en": "Summary"},
    "summary_intro": {
        "nb": "Rapporten gir vektede, designbaserte andeler med {level} % konfidensintervall "
        "(KI) for partnerskapets indikatorer. Tabellen prøver påstandene i {source} på "
        "dataene: holder påstanden, holder den ikke, eller er dataene ikke avgjørende?",
        "en": "The report gives weighted, design-based shares with {level}% confidence "
        "intervals (CI) for the partnership's indicators. The table re-tests the statements "
        "of {source} on the data: does each hold, not hold, or are the data inconclusive?",
    },
    "claims_caption": {
        "nb": "Påstander fra forrige rapport prøvd på dataene",
        "en": "Statements of the previous report re-tested on the data",
    },
    "claims_header": {
        "nb": ["Påstand", "Prøvd som", "Resultat", "Vurdering"],
        "en": ["Statement", "Tested as", "Evidence", "Verdict"],
    },
    "claims_note": {
        "nb": "Nivå: holder når intervallet overlapper båndet (eller ligger helt over/under "
        "terskelen). Retning: holder når forskjellen går den veien og p justert for mange "
        "tester (Benjamini–Hochberg) er under {alpha}; holder ikke når den går motsatt vei "
        "på samme nivå; ellers uavklart. pp = prosentpoeng.",
        "en": "Level: holds when the interval overlaps the band (or lies wholly above/below "
        "the threshold). Direction: holds when the difference points that way with p adjusted "
        "for multiple testing (Benjamini–Hochberg) below {alpha}; does not hold when it points "
        "the other way at that level; otherwise inconclusive. pp = percentage points.",
    },
    "key_findings": {"nb": "Hovedfunn", "en": "Key findings"},
    "holds": {"nb": "Holder", "en": "Holds"},
    "does_not_hold": {"nb": "Holder ikke", "en": "Does not hold"},
    "inconclusive": {"nb": "Uavklart", "en": "Inconclusive"},
    "reason_not_significant": {"nb": "ikke statistisk sikker", "en": "not significant"},
    "reason_no_test": {"nb": "testen finnes ikke i estimatene", "en": "no such test estimated"},
    "reason_not_estimated": {"nb": "ikke estimert", "en": "not estimated"},
    "reason_too_few_respondents": {"nb": "for få svar", "en": "too few respondents"},
    "reason_flagged": {"nb": "usikkert estimat", "en": "unreliable estimate"},
    "test_level_about": {"nb": "Nivå {wave}: {low}–{high} %", "en": "Level {wave}: {low}–{high}%"},
    "test_level_above": {"nb": "Nivå {wave}: over {value} %", "en": "Level {wave}: above {value}%"},
    "test_level_below": {
        "nb": "Nivå {wave}: under {value} %",
        "en": "Level {wave}: below {value}%",
    },
    "test_change": {
        "nb": "Endring {first}–{last}: {direction}",
        "en": "{first}–{last}: {direction}",
    },
    "test_gap": {
        "nb": "Forskjell {group} – {reference}, {first}–{last}: {direction}",
        "en": "Gap {group} – {reference}, {first}–{last}: {direction}",
    },
    "test_difference": {
        "nb": "{group} mot {reference} i {wave}: {direction}",
        "en": "{group} vs {reference} in {wave}: {direction}",
    },
    "higher": {"nb": "høyere", "en": "higher"},
    "lower": {"nb": "lavere", "en": "lower"},
    "evidence_level": {"nb": "{value} (KI {low}–{high})", "en": "{value} (CI {low}–{high})"},
    "evidence_difference": {
        "nb": "{estimate} mot {reference}: {difference} pp (KI {low} til {high}); justert p {p}",
        "en": "{estimate} vs {reference}: {difference} pp (CI {low} to {high}); adjusted p {p}",
    },
    "percent": {"nb": "{value} %", "en": "{value}%"},
    "range": {"nb": "{low} til {high}", "en": "{low} to {high}"},
    "points": {"nb": "{value} pp", "en": "{value} pp"},
    "chapter_intro": {
        "nb": "Kapitlet viser {count}. Andelene er vektet til populasjonen og gjelder "
        "dem som svarte på spørsmålet.",
        "en": "This chapter shows {count}. Shares are weighted to the population and refer to "
        "those who answered the question.",
    },
    "indicator_count": {"nb": "{n} indikator{s}", "en": "{n} indicator{s}"},
    "plural_nb": {"nb": "er", "en": "s"},
    "sentence_level": {
        "nb": "Andel {label}: {value} ({level} % KI {low}–{high}) i {wave}, {n} svar.",
        "en": "Share of {label}: {value} ({level}% CI {low}–{high}) in {wave}, {n} respondents.",
    },
    "sentence_up": {
        "nb": "Det er opp fra {value} i {wave}: {change} ({level} % KI {low} til {high}).",
        "en": "That is up from {value} in {wave}: {change} ({level}% CI {low} to {high}).",
    },
    "sentence_down": {
        "nb": "Det er ned fra {value} i {wave}: {change} ({level} % KI {low} til {high}).",
        "en": "That is down from {value} in {wave}: {change} ({level}% CI {low} to {high}).",
    },
    "sentence_same": {
        "nb": "I {wave} var andelen {value}; endringen på {change} ({level} % KI {low} til "
        "{high}) er ikke statistisk sikker.",
        "en": "In {wave} the share was {value}; the change of {change} ({level}% CI {low} to "
        "{high}) is not statistically significant.",
    },
    "sentence_not_asked": {
        "nb": "Spørsmålet ble ikke stilt i {waves}.",
        "en": "The question was not asked in {waves}.",
    },
    "sentence_groups": {
        "nb": "Etter {breakdown} i {wave}: høyest blant {high_group} ({high}), lavest blant "
        "{low_group} ({low}).",
        "en": "By {breakdown} in {wave}: highest among {high_group} ({high}), lowest among "
        "{low_group} ({low}).",
    },
    "sentence_contrasts": {
        "nb": "Forskjeller til resten som er statistisk sikre etter kontroll for mange tester: "
        "{list}.",
        "en": "Differences from the rest that are significant after control for multiple "
        "testing: {list}.",
    },
    "sentence_no_contrasts": {
        "nb": "Ingen gruppeforskjell er statistisk sikker etter kontroll for mange tester.",
        "en": "No group difference is significant after control for multiple testing.",
    },
    "suppressed_text": {"nb": "vises ikke", "en": "not shown"},
    "table_caption": {
        "nb": "{label}. Prosent med {level} % KI og antall svar (n), etter gruppe og år",
        "en": "{label}. Per cent with {level}% CI and respondents (n), by group and year",
    },
    "contrasts_caption": {
        "nb": "{label}: forskjeller mellom grupper i {wave}, prosentpoeng",
        "en": "{label}: differences between groups in {wave}, percentage points",
    },
    "contrasts_header": {
        "nb": ["Gruppe", "Mot", "Forskjell", "KI", "p", "Justert p"],
        "en": ["Group", "Against", "Difference", "CI", "p", "Adjusted p"],
    },
    "rest": {"nb": "resten", "en": "the rest"},
    "survey_contrasts_caption": {
        "nb": "Sammenligning mellom undersøkelsene (uavhengige utvalg), prosentpoeng",
        "en": "Comparison between the surveys (independent samples), percentage points",
    },
    "survey_contrasts_header": {
        "nb": ["Indikator", "Mot", "År", "Forskjell", "KI", "Justert p"],
        "en": ["Indicator", "Against", "Year", "Difference", "CI", "Adjusted p"],
    },
    "group_column": {"nb": "Gruppe", "en": "Group"},
    "share_ci": {"nb": "{wave}: % (KI)", "en": "{wave}: % (CI)"},
    "n_column": {"nb": "n", "en": "n"},
    "flag_note": {
        "nb": "† = usikkert estimat (lavt effektivt antall svar, få frihetsgrader eller bredt "
        "intervall): les med forsiktighet.",
        "en": "† = unreliable estimate (low effective sample size, few degrees of freedom or a "
        "wide interval): read with caution.",
    },
    "not_asked_note": {"nb": ". = ikke spurt dette året.", "en": ". = not asked that year."},
    "distribution_heading": {"nb": "Svarfordelinger", "en": "Answer distributions"},
    "distribution_intro": {
        "nb": "Indikatorene over teller bare noen av svarkategoriene. Figuren viser alle "
        "svarene på de samme spørsmålene, som vektede andeler per år: den ene enden av "
        "skalaen til venstre for nullstreken, den andre til høyre, midtkategorien delt likt "
        "på hver side og «vet ikke» for seg.",
        "en": "The indicators above count some of the answer categories only. The figure "
        "shows every answer to the same questions, as weighted shares by year: one end of "
        "the scale left of the zero line, the other to the right, the middle category split "
        "evenly across it and “don't know” apart.",
    },
    "distribution_caption": {
        "nb": "Svarfordeling, {theme}, etter år (vektede andeler i prosent)",
        "en": "Answer distribution, {theme}, by year (weighted shares in per cent)",
    },
    "figure_caption": {
        "nb": "{label}, etter år og gruppe, med {level} % KI",
        "en": "{label}, by year and group, with {level}% CI",
    },
    "change_caption": {
        "nb": "Endring {first}–{last} for hver indikator, prosentpoeng med {level} % KI",
        "en": "Change {first}–{last} for each indicator, percentage points with {level}% CI",
    },
    "model_caption": {
        "nb": "Forklaringsmodell: {label}. Logistisk regresjon, oddsratio med {level} % KI",
        "en": "Explanatory model: {label}. Logistic regression, odds ratios with {level}% CI",
    },
    "model_header": {
        "nb": ["Ledd", "Oddsratio", "KI", "p"],
        "en": ["Term", "Odds ratio", "CI", "p"],
    },
    "model_note": {
        "nb": "Vektet, med klyngerobuste standardfeil (kommunen som klynge); {n} svar i {clusters} "
        "klynger. Referansekategorier: {reference}.",
        "en": "Weighted, with cluster-robust standard errors (the municipality as cluster); {n} "
        "respondents in {clusters} clusters. Reference categories: {reference}.",
    },
    "appendix": {"nb": "Vedlegg", "en": "Appendix"},
    "method": {"nb": "Metode", "en": "Method"},
    "method_data": {"nb": "Data og frafall", "en": "Data and exclusions"},
    "method_response": {"nb": "Svarprosent", "en": "Response rates"},
    "response_header": {
        "nb": ["Undersøkelse og år", "Populasjon", "Svar", "Svarprosent"],
        "en": ["Survey and year", "Population", "Respondents", "Response rate"],
    },
    "method_weighting": {"nb": "Vekting", "en": "Weighting"},
    "method_estimation": {
        "nb": "Estimering, intervaller og personvern",
        "en": ("Estimation, intervals and confidentiality"),
    },
    "method_claims": {"nb": "Prøving av påstander", "en": "Re-testing the statements"},
    "method_claims_text": {
        "nb": "Hver påstand er skrevet om til en test i config.yaml (claims). Et nivå prøves "
        "mot et bånd eller en terskel med estimatets {level} % KI. En retning (endring mellom år, "
        "forskjell mellom grupper eller undersøkelser) prøves med den publiserte kontrasten og "
        "p-verdien justert etter Benjamini–Hochberg over alle publiserte tester; en endring i "
        "en forskjell mellom to grupper prøves som differansen mellom årenes kontraster "
        "(uavhengige utvalg, Welch–Satterthwaite) og justeres som én test til i familien. "
        "Påstander som hviler på estimater som mangler, har for få svar eller er flagget som "
        "usikre, får vurderingen uavklart.",
        "en": "Each statement is written as a test in config.yaml (claims). A level is tested "
        "against a band or threshold with the estimate's {level}% CI. A direction (change "
        "between years, difference between groups or surveys) is tested with the published "
        "contrast and its p-value adjusted by Benjamini–Hochberg over every published test; a "
        "change in the gap between two groups is tested as the difference of the years' "
        "contrasts (independent samples, Welch–Satterthwaite) and adjusted as one more member "
        "of the family. Statements resting on estimates that are missing, too small to publish "
        "or flagged as unreliable are inconclusive.",
    },
    "data_header": {
        "nb": ["Undersøkelse og år", "Filens merking", "Rader inn", "Holdt utenfor", "Brukt"],
        "en": ["Survey and year", "The file's label", "Rows in", "Left out", "Used"],
    },
    "data_caption": {"nb": "Rader inn og ut per årgang", "en": "Rows in and out per wave"},
    "diagnostics_caption": {
        "nb": "Vektingsdiagnostikk per årgang",
        "en": "Weighting diagnostics per wave",
    },
    "questionnaire": {"nb": "Spørreskjema etter år", "en": "Questionnaire by year"},
    "questionnaire_intro": {
        "nb": "Spørsmålene slik de er harmonisert: ordlyd (2019-skjemaet), svarskala og, for "
        "hvert år, variabelen i leverandørens fil. «Snudd» betyr at skalaen gikk motsatt vei det "
        "året (x blir 6 − x). Koder for «vet ikke» blir {dont_know}; koder for ikke besvart blir "
        "manglende.",
        "en": "The questions as harmonised: wording (the 2019 form), answer scale and, for each "
        "year, the variable in the vendor's file. «Reversed» means the scale ran the other way "
        "that year (x becomes 6 − x). «Don't know» codes become {dont_know}; codes for not "
        "answered become missing.",
    },
    "questionnaire_header": {
        "nb": ["Spørsmål", "Svarskala"],
        "en": ["Question (Norwegian wording)", "Answer scale"],
    },
    "questionnaire_codes": {
        "nb": "{wave}: «vet ikke» = {dont_know}, ikke besvart = {missing}.",
        "en": "{wave}: «don't know» = {dont_know}, not answered = {missing}.",
    },
    "reversed": {"nb": "snudd", "en": "reversed"},
    "recoded": {"nb": "omkodet {codes}", "en": "recoded {codes}"},
    "absent": {"nb": "ikke spurt", "en": "not asked"},
    "none": {"nb": "ingen", "en": "none"},
    "provenance": {"nb": "Proveniens", "en": "Provenance"},
    "provenance_intro": {
        "nb": "Hva rapporten bygger på. Sjekksummene (SHA-256) identifiserer hver inndatafil; "
        "config-fingeravtrykket er SHA-256 av den effektive konfigurasjonen (JSON, sorterte "
        "nøkler). Med samme inndata, config og pakkeversjoner blir rapporten byte-identisk.",
        "en": "What the report rests on. Checksums (SHA-256) identify every input file; the "
        "config fingerprint is the SHA-256 of the effective configuration (JSON, sorted keys). "
        "Same inputs, config and package versions give a byte-identical report.",
    },
    "provenance_inputs": {"nb": "Inndata", "en": "Inputs"},
    "provenance_files_header": {"nb": ["Fil", "SHA-256"], "en": ["File", "SHA-256"]},
    "config_fingerprint": {"nb": "Config-fingeravtrykk", "en": "Config fingerprint"},
    "packages": {"nb": "Programvare", "en": "Software"},
    "packages_header": {"nb": ["Pakke", "Versjon"], "en": ["Package", "Version"]},
}
