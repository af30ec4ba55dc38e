"""The study's controlled vocabularies: diagnoses, RCM feature labels, sites.

One place for the words readers and models share. Diagnoses accept the study's
abbreviations (AK, LMA, BCC …) and full names, case-insensitively, through
``parse_diagnosis`` so that CSV imports from different centers agree.
"""

from django.db import models


class Diagnosis(models.TextChoices):
    ACTINIC_KERATOSIS = "actinic_keratosis", "Actinic keratosis"
    ANGIOMA = "angioma", "Angioma"
    ATYPICAL_MELANOCYTIC = "atypical_melanocytic", "Atypical melanocytic lesion / lentigo maligna"
    BASAL_CELL_CARCINOMA = "basal_cell_carcinoma", "Basal cell carcinoma"
    BLUE_NEVUS = "blue_nevus", "Blue nevus"
    BOWEN_DISEASE = "bowen_disease", "Bowen's disease"
    KERATOACANTHOMA = "keratoacanthoma", "Keratoacanthoma"
    MELANOCYTIC_NEVUS = "melanocytic_nevus", "Melanocytic nevus"
    LICHEN_PLANUS_LIKE_KERATOSIS = "lplk", "Lichen planus-like keratosis"
    SQUAMOUS_CELL_CARCINOMA = "squamous_cell_carcinoma", "Squamous cell carcinoma"
    SEBORRHEIC_KERATOSIS = "seborrheic_keratosis", "Seborrheic keratosis"
    SOLAR_LENTIGO = "solar_lentigo", "Solar lentigo"
    SPITZ_NEVUS = "spitz_nevus", "Spitz nevus"
    TRICHOEPITHELIOMA = "trichoepithelioma", "Trichoepithelioma"
    OTHER = "other", "Other"


DIAGNOSIS_ABBREVIATIONS: dict[str, Diagnosis] = {
    "ak": Diagnosis.ACTINIC_KERATOSIS,
    "lma": Diagnosis.ATYPICAL_MELANOCYTIC,
    "lm": Diagnosis.ATYPICAL_MELANOCYTIC,
    "aml": Diagnosis.ATYPICAL_MELANOCYTIC,
    "bcc": Diagnosis.BASAL_CELL_CARCINOMA,
    "bd": Diagnosis.BOWEN_DISEASE,
    "ka": Diagnosis.KERATOACANTHOMA,
    "mn": Diagnosis.MELANOCYTIC_NEVUS,
    "lplk": Diagnosis.LICHEN_PLANUS_LIKE_KERATOSIS,
    "scc": Diagnosis.SQUAMOUS_CELL_CARCINOMA,
    "sk": Diagnosis.SEBORRHEIC_KERATOSIS,
    "sl": Diagnosis.SOLAR_LENTIGO,
    "bn": Diagnosis.BLUE_NEVUS,
    "te": Diagnosis.TRICHOEPITHELIOMA,
}

# Names seen in the study's text that differ from our labels.
_DIAGNOSIS_ALIASES: dict[str, Diagnosis] = {
    "atypical melanocytic lesion": Diagnosis.ATYPICAL_MELANOCYTIC,
    "atypical melanocytary lesion": Diagnosis.ATYPICAL_MELANOCYTIC,
    "lentigo maligna": Diagnosis.ATYPICAL_MELANOCYTIC,
    "bowen disease": Diagnosis.BOWEN_DISEASE,
    "bowen's disease": Diagnosis.BOWEN_DISEASE,
    "nevus": Diagnosis.MELANOCYTIC_NEVUS,
}


def parse_diagnosis(text: str) -> Diagnosis:
    """The diagnosis named by ``text`` (abbreviation, value or label); ValueError if none."""
    key = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    if not key:
        raise ValueError("empty diagnosis")
    if key in DIAGNOSIS_ABBREVIATIONS:
        return DIAGNOSIS_ABBREVIATIONS[key]
    if key in _DIAGNOSIS_ALIASES:
        return _DIAGNOSIS_ALIASES[key]
    for choice in Diagnosis:
        label = " ".join(str(choice.label).lower().replace("-", " ").split())
        if key in (choice.value.replace("_", " "), label):
            return choice
    raise ValueError(
        f"unknown diagnosis {text!r}; use one of {', '.join(sorted(DIAGNOSIS_ABBREVIATIONS))} or a full name"
    )


class FeatureLabel(models.TextChoices):
    """RCM features of suspicion a region is labelled with (the study's list)."""

    ATYPICAL_HONEYCOMB = "atypical_honeycomb", "Atypical honeycomb"
    ATYPICAL_COBBLESTONE = "atypical_cobblestone", "Atypical cobblestone"
    DENDRITIC_CELLS = "dendritic_cells", "Dendritic cells"
    ROUNDISH_CELLS = "roundish_cells", "Roundish / plump-bright cells"
    PAGETOID_SPREAD = "pagetoid_spread", "Pagetoid spread"
    CANALICULAR_VESSELS = "canalicular_vessels", "Canalicular vessels"
    DARK_SHADOWS = "dark_shadows", "Dark shadows"
    CLEFTING = "clefting", "Clefting"
    DEJ_DISARRAY = "dej_disarray", "Disarray of the dermal-epidermal junction"
    OTHER_SUSPICIOUS = "other_suspicious", "Other suspicious"


# Fixed colours so every reader, page and export agrees (colour-blind-safe palette first).
FEATURE_LABEL_COLOURS: dict[str, str] = {
    FeatureLabel.ATYPICAL_HONEYCOMB: "#e6194b",
    FeatureLabel.ATYPICAL_COBBLESTONE: "#f58231",
    FeatureLabel.DENDRITIC_CELLS: "#ffe119",
    FeatureLabel.ROUNDISH_CELLS: "#bfef45",
    FeatureLabel.PAGETOID_SPREAD: "#3cb44b",
    FeatureLabel.CANALICULAR_VESSELS: "#42d4f4",
    FeatureLabel.DARK_SHADOWS: "#4363d8",
    FeatureLabel.CLEFTING: "#911eb4",
    FeatureLabel.DEJ_DISARRAY: "#f032e6",
    FeatureLabel.OTHER_SUSPICIOUS: "#a9a9a9",
}


class FacialSite(models.TextChoices):
    FOREHEAD = "forehead", "Forehead"
    TEMPLE = "temple", "Temple"
    CHEEK = "cheek", "Cheek"
    NOSE = "nose", "Nose"
    PERIOCULAR = "periocular", "Periocular / eyelid"
    EAR = "ear", "Ear"
    LIP = "lip", "Lip / perioral"
    CHIN = "chin", "Chin / jaw"
    SCALP = "scalp", "Scalp"
    NECK = "neck", "Neck"
    OTHER = "other", "Other"


class AgeBand(models.TextChoices):
    UNDER_40 = "<40", "Under 40"
    AGE_40_49 = "40-49", "40-49"
    AGE_50_59 = "50-59", "50-59"
    AGE_60_69 = "60-69", "60-69"
    AGE_70_79 = "70-79", "70-79"
    AGE_80_PLUS = "80+", "80 and over"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other / not recorded"
