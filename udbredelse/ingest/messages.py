"""Danish messages for every rule code: what is wrong and how to fix it (what a municipality reads)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # file level
    "empty_file": "Filen er tom. Send en fil med en overskriftsrække og en række pr. forløb.",
    "unreadable": "Filen kan ikke læses. Gem den som CSV (semikolon-separeret) eller som Excel (.xlsx) og send igen.",
    "encoding": "Filens tegnsæt kan ikke læses. Gem filen som CSV UTF-8 eller Windows-1252.",
    "too_large": "Filen er for stor (over {max_mb} MB). Del den op, eller kontakt Socialstyrelsen.",
    "xlsx_unsafe": "Excel-filen afvises af sikkerhedshensyn. Gem den som en almindelig .xlsx uden makroer, eller som CSV.",
    "xlsx_too_many_rows": (
        "Regnearket har indhold helt nede i række {row}, men en fil må højst gå til række {max_rows}. "
        "Slet indholdet under jeres data (markér rækkerne under dataene og slet dem), og gem igen."
    ),
    "xlsx_too_many_columns": (
        "Regnearket har indhold til højre for kolonne {max_columns}. Slet de kolonner, der ikke hører til "
        "filformatet, og gem igen."
    ),
    "xlsx_too_many_cells": "Regnearket har over {max_cells} celler og er for stort. Del det op i flere filer.",
    "xlsx_cell_too_long": "En celle indeholder over {max_chars} tegn (Excels egen grænse). Ret cellen, og gem igen.",
    "xlsx_too_much_text": "Regnearket indeholder over {max_mb} MB tekst og er for stort. Del det op i flere filer.",
    "ods_format": (
        "Filen er et OpenDocument-regneark (.ods, fx fra LibreOffice). Det læses ikke direkte: vælg "
        "'Gem som' → Excel 2007-365 (.xlsx) eller Tekst CSV (semikolon-separeret), og send igen."
    ),
    "xls_format": (
        "Filen er i det gamle Excel-format (.xls) eller beskyttet med adgangskode. Gem den som "
        "Excel-projektmappe (.xlsx) uden adgangskode eller som CSV (semikolon-separeret), og send igen."
    ),
    "file_name_encoding": (
        "Filnavnet indeholder tegn, der ikke kan læses (ikke UTF-8). Omdøb filen med almindelige bogstaver "
        "og tal, fx 101_MOVE_forloeb_2026-03-31.csv, og send den igen."
    ),
    "duplicate_column": "Kolonnen {columns} findes mere end én gang. Slet den ekstra kolonne.",
    "unknown_file_type": (
        "Filtypen kan ikke genkendes ud fra kolonnerne. En forløbsfil skal fx have kolonnerne "
        "kommunekode, indsats, forloeb_id og status. Se filformatet i vejledningen."
    ),
    "missing_column": "Den påkrævede kolonne '{column}' mangler. Tilføj kolonnen med den overskrift.",
    "unknown_indsats": "Indsatsen i filen findes ikke i kataloget. Brug indsatsens kode, fx som i vejledningen.",
    "missing_kommune": "Filen har ingen gyldig kommunekode. Udfyld kolonnen kommunekode.",
    "wrong_kommune": "Filen indeholder en anden kommunes data end afsenderens ({uploader}). Send kun jeres egne data.",
    "uploader_unknown": "Det kan ikke ses, hvilken kommune der har sendt filen. Læg filen i kommunens egen mappe.",
    "registry_not_allowed": "Registerudtræk kan kun modtages fra registersiden (mappen 'register'), ikke fra en kommune.",
    "registry_only": "I mappen 'register' modtages kun registerudtræk (pseudonym, periode, indikator, vaerdi).",
    "cpr_forbidden": (
        "Indsatsen indsamler ikke CPR-numre (dataminimering), men filen indeholder CPR-numre. "
        "Slet kolonnen med CPR-numre og send filen igen."
    ),
    "snapshot_wipe": (
        "Filen ville fjerne alle kommunens eksisterende forløb i indsatsen ({existing} forløb), fordi ingen af dem "
        "findes i den nye fil. Tjek at det er den rigtige fil. Er det meningen, så send den igen med bekræftelse."
    ),
    "snapshot_vanishing": "{count} forløb findes ikke længere i filen: {ids}.",
    "snapshot_vanishing_limit": (
        "Det er flere end grænsen ({limit}) og skyldes som regel et forkert filter i udtrækket. "
        "Tjek udtrækket, før du sender filen."
    ),
    "snapshot_held": (
        "Filen afventer bekræftelse: {count} af kommunens {existing} forløb i indsatsen findes ikke i den nye fil, "
        "og de ville forsvinde fra tallene. Tallene er uændrede, og filen er gemt (krypteret). Er det meningen, "
        "så bekræft filen på siden Upload eller med 'udbredelse ingest --confirm {file_id}'."
    ),
    "snapshot_empty": (
        "Filen har en overskriftsrække, men ingen forløb. Indlæst ville den fjerne alle kommunens forløb i "
        "indsatsen. Tjek at det er den rigtige fil. Er det meningen, så send den igen med bekræftelse."
    ),
    "formula_header": "Overskriftsrækken indeholder formler. Skriv kolonnenavnene som tekst.",
    "internal_error": "Filen kunne ikke behandles på grund af en intern fejl. Kontakt Socialstyrelsen; filen er gemt.",
    # row level
    "required": "Feltet '{column}' mangler en værdi. Udfyld feltet.",
    "date_format": "'{column}' er ikke en gyldig dato. Brug fx 2026-03-01, 01-03-2026 eller 01.03.2026.",
    "date_too_early": "'{column}' ligger før år 1900. Ret datoen, og skriv året med fire cifre.",
    "integer_format": "'{column}' skal være et helt tal, fx 12.",
    "number_format": "'{column}' skal være et tal, fx 12,5.",
    "too_long": "'{column}' er for lang (højst 64 tegn). Forkort værdien.",
    "invalid_code": "'{column}' har en ukendt værdi. Brug en af: {allowed}.",
    "out_of_range": "'{column}' ligger uden for det tilladte interval ({allowed}).",
    "format": "'{column}' har ikke det rigtige format ({allowed}).",
    "kommunekode_unknown": "Kommunekoden findes ikke. Brug kommunens tre-cifrede kode, fx 101 for København.",
    "kommune_mismatch": "Rækken tilhører en anden kommune end afsenderens ({uploader}). Send kun jeres egne data.",
    "indsats_mismatch": "Rækken har en anden indsats end resten af filen ({indsats}). Én fil må kun indeholde én indsats.",
    "start_required": "Startdato mangler. Forløb der er i gang eller afsluttet, skal have en startdato.",
    "end_required": "Slutdato mangler. Gennemførte og afbrudte forløb skal have en slutdato.",
    "end_not_allowed": (
        "Forløbet har en slutdato, men status er ikke gennemfoert eller afbrudt. Ret status, eller fjern slutdatoen."
    ),
    "end_before_start": "Slutdato ligger før startdato. Ret en af datoerne.",
    "end_reason_required": "Afslutningsårsag mangler. Afbrudte forløb skal have en afslutningsårsag.",
    "start_not_allowed": "Forløbet har en startdato, men status er '{allowed}'. Ret status til i_gang, eller fjern startdatoen.",
    "future_date": "Datoen ligger efter indberetningsdatoen ({reporting_date}). Ret datoen.",
    "duplicate_id": "Forløbs-id'et findes flere gange i filen. Hvert forløb skal have sit eget id.",
    "duplicate_key": "Rækken findes flere gange i filen ({allowed}). Slet den ekstra række.",
    "cpr_missing": "CPR-nummer mangler. Indsatsen indsamler CPR-nummer til registeropfølgning.",
    "cpr_leading_zero": (
        "CPR-nummeret har kun 9 cifre: det indledende 0 er forsvundet, fordi kolonnen er formateret som tal. "
        "Formatér CPR-kolonnen som tekst, og skriv numrene igen med alle 10 cifre (DDMMÅÅ-LLLL)."
    ),
    "cpr_format": "CPR-nummeret har ikke formen DDMMÅÅ-LLLL eller DDMMÅÅLLLL. Ret nummeret.",
    "cpr_date": "CPR-nummerets første seks cifre er ikke en gyldig fødselsdato. Ret nummeret.",
    "cpr_fictitious": "Fiktive CPR-numre (dag + 60) kan ikke bruges i drift. Brug borgerens rigtige CPR-nummer.",
    "cpr_in_text": (
        "Feltet ser ud til at indeholde et CPR-nummer. Brug kommunens eget forløbs-id/medarbejder-id – aldrig CPR."
    ),
    "item_value": "'{column}' skal være ja eller nej.",
    "formula": "Cellen indeholder en formel. Indsæt værdien i stedet (Indsæt speciel → Værdier).",
    "cell_error": "Cellen indeholder en Excel-fejl (fx #VÆRDI!). Ret cellen.",
    "field_count": "Rækken har flere felter end overskriftsrækken. Tjek skilletegn og anførselstegn.",
    # warnings
    "cpr_mod11": (
        "CPR-nummeret består ikke modulus 11-kontrollen. Det kan godt være korrekt (nyere numre gør ikke), "
        "men tjek det."
    ),
    "unknown_column": "Kolonnen '{column}' kendes ikke og bliver ikke gemt.",
    "unknown_columns": "{count} kolonner kendes ikke og bliver ikke gemt: {columns}.",
    "unnamed_columns": "{count} kolonne(r) uden overskrift bliver ikke gemt ({columns}).",
    "two_digit_year": (
        "'{column}' har kun to cifre i året og er læst som 20ÅÅ. Tjek datoen, og skriv gerne året med fire cifre."
    ),
    "cpr_column_empty": "Indsatsen indsamler ikke CPR-numre. Slet den tomme kolonne '{column}'.",
    "referral_after_start": "Henvisningsdato ligger efter startdato. Tjek datoerne.",
    "end_reason_without_end": "Afslutningsårsag er udfyldt, men forløbet er ikke afsluttet. Tjek status.",
    "milestone_date_missing": "Milepælen er opfyldt, men datoen mangler. Udfyld datoen.",
    "timepoint_unexpected": "Redskabet måles normalt ikke på dette tidspunkt ({allowed}).",
}


def message(code: str, **params: object) -> str:
    template = MESSAGES.get(code, code)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
