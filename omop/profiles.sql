-- pml-trials OMOP CDM recipe: a `profiles` view over OMOP tables (DuckDB dialect; plain SQL
-- with window functions, portable with small changes). Pre-screening only: the study team
-- decides eligibility.
--
-- Inputs (besides the CDM tables person, measurement, condition_occurrence, drug_exposure):
--   pml_screening(person_id, patient_id, screening_date): who is screened, under which
--     pseudonymous id, as of which date (every value is taken on or before that date);
--   pml_concept_sets: omop/concept_sets.csv, reviewed by the site (see omop/README.md).
--
-- The rule that no feature may bend: absence is unknown, never false. A measurement that
-- is missing, has no value, has an unlisted unit or an operator ('<', '>') is NULL; a
-- condition or drug that is recorded is TRUE, and one that is not recorded is NULL, not
-- FALSE (a record only ever says "yes"). Every field this view does not map is NULL and
-- is asked for by `pml-trials ask`.

CREATE OR REPLACE VIEW pml_measured AS
SELECT person_id, field, value
FROM (
  SELECT
    s.person_id,
    c.field,
    CASE
      WHEN c.per_uln THEN m.value_as_number / NULLIF(m.range_high, 0)
      ELSE m.value_as_number * c.factor
    END AS value,
    ROW_NUMBER() OVER (
      PARTITION BY s.person_id, c.field
      ORDER BY m.measurement_date DESC, m.measurement_id DESC
    ) AS latest
  FROM pml_screening AS s
  JOIN measurement AS m
    ON m.person_id = s.person_id AND m.measurement_date <= s.screening_date
  JOIN pml_concept_sets AS c
    ON c.concept_id = m.measurement_concept_id
    -- a listed unit only (or none for a unitless score / a ratio to range_high)
    AND (c.unit_concept_id IS NULL OR c.unit_concept_id = m.unit_concept_id)
  WHERE m.value_as_number IS NOT NULL
    -- '<', '<=', '>', '>=' (4171756, 4171754, 4172704, 4171755) are not a value
    AND COALESCE(m.operator_concept_id, 4172703) = 4172703
    AND (NOT c.per_uln OR m.range_high IS NOT NULL)
) AS ranked
WHERE latest = 1;

CREATE OR REPLACE VIEW pml_recorded AS
SELECT s.person_id, c.field, MAX(o.condition_start_date) AS last_date
FROM pml_screening AS s
JOIN condition_occurrence AS o
  ON o.person_id = s.person_id AND o.condition_start_date <= s.screening_date
JOIN pml_concept_sets AS c ON c.concept_id = o.condition_concept_id
GROUP BY s.person_id, c.field
UNION ALL
SELECT s.person_id, c.field, MAX(COALESCE(d.drug_exposure_end_date, d.drug_exposure_start_date))
FROM pml_screening AS s
JOIN drug_exposure AS d
  ON d.person_id = s.person_id AND d.drug_exposure_start_date <= s.screening_date
JOIN pml_concept_sets AS c ON c.concept_id = d.drug_concept_id
GROUP BY s.person_id, c.field;

CREATE OR REPLACE VIEW pml_profile_values AS
SELECT
  s.patient_id,
  s.screening_date,
  -- completed years, as an age is counted (a birth month/day unknown: the year alone is
  -- not enough, so the age is unknown)
  CASE
    WHEN p.year_of_birth IS NULL OR p.month_of_birth IS NULL OR p.day_of_birth IS NULL THEN NULL
    ELSE EXTRACT(YEAR FROM s.screening_date) - p.year_of_birth
      - CASE
          WHEN EXTRACT(MONTH FROM s.screening_date) * 100 + EXTRACT(DAY FROM s.screening_date)
               < p.month_of_birth * 100 + p.day_of_birth THEN 1
          ELSE 0
        END
  END AS age_years,
  CASE p.gender_concept_id WHEN 8532 THEN 'female' WHEN 8507 THEN 'male' END AS sex,
  MAX(CASE WHEN m.field = 'weight_kg' THEN m.value END) AS weight_kg,
  MAX(CASE WHEN m.field = 'cd4_cells_per_ul' THEN m.value END) AS cd4_cells_per_ul,
  MAX(CASE WHEN m.field = 'cd8_cells_per_ul' THEN m.value END) AS cd8_cells_per_ul,
  MAX(CASE WHEN m.field = 'lymphocytes_per_ul' THEN m.value END) AS lymphocytes_per_ul,
  MAX(CASE WHEN m.field = 'neutrophils_per_ul' THEN m.value END) AS neutrophils_per_ul,
  MAX(CASE WHEN m.field = 'platelets_per_ul' THEN m.value END) AS platelets_per_ul,
  MAX(CASE WHEN m.field = 'hiv_rna_copies_per_ml' THEN m.value END) AS hiv_rna_copies_per_ml,
  MAX(CASE WHEN m.field = 'egfr_ml_min_1_73m2' THEN m.value END) AS egfr_ml_min_1_73m2,
  MAX(CASE WHEN m.field = 'alt_x_uln' THEN m.value END) AS alt_x_uln,
  MAX(CASE WHEN m.field = 'ast_x_uln' THEN m.value END) AS ast_x_uln,
  MAX(CASE WHEN m.field = 'total_bilirubin_x_uln' THEN m.value END) AS total_bilirubin_x_uln,
  CAST(MAX(CASE WHEN m.field = 'karnofsky_score' THEN m.value END) AS BIGINT) AS karnofsky_score,
  -- recorded: TRUE; not recorded: NULL (unknown), never FALSE
  MAX(CASE WHEN r.field = 'hiv_positive' THEN TRUE END) AS hiv_positive,
  MAX(CASE WHEN r.field = 'natalizumab_ever' THEN TRUE END) AS natalizumab_ever,
  MAX(CASE WHEN r.field = 'natalizumab_ever' THEN r.last_date END) AS last_natalizumab_dose_date,
  -- not in the CDM tables used here: unknown, asked for by `pml-trials ask`
  CAST(NULL AS BOOLEAN) AS pregnant_or_breastfeeding,
  CAST(NULL AS BOOLEAN) AS agrees_to_contraception,
  CAST(NULL AS VARCHAR) AS csf_jcv_pcr,
  CAST(NULL AS DOUBLE) AS csf_jcv_copies_per_ml,
  CAST(NULL AS VARCHAR) AS brain_biopsy_jcv,
  CAST(NULL AS BOOLEAN) AS mri_compatible_with_pml,
  CAST(NULL AS BOOLEAN) AS clinical_features_compatible_with_pml,
  CAST(NULL AS DATE) AS pml_symptom_onset_date,
  CAST(NULL AS DATE) AS pml_diagnosis_date,
  CAST(NULL AS BOOLEAN) AS pml_progressing,
  CAST(NULL AS BOOLEAN) AS pml_iris,
  CAST(NULL AS VARCHAR[]) AS predisposing_conditions,
  CAST(NULL AS BOOLEAN) AS on_antiretroviral_therapy,
  CAST(NULL AS BOOLEAN) AS current_immunosuppressive_therapy,
  CAST(NULL AS DOUBLE) AS prednisone_equivalent_mg_per_day,
  CAST(NULL AS BIGINT) AS gvhd_grade,
  CAST(NULL AS BOOLEAN) AS active_autoimmune_disease,
  CAST(NULL AS BOOLEAN) AS autoimmune_cns_disease,
  CAST(NULL AS BOOLEAN) AS allogeneic_hct,
  CAST(NULL AS BOOLEAN) AS chronic_gvhd_active,
  CAST(NULL AS BOOLEAN) AS gvhd_systemic_treatment,
  CAST(NULL AS BOOLEAN) AS current_biologic_therapy,
  CAST(NULL AS BOOLEAN) AS prior_checkpoint_inhibitor,
  CAST(NULL AS BOOLEAN) AS prior_virus_specific_t_cells,
  CAST(NULL AS BOOLEAN) AS prior_cidofovir_or_brincidofovir,
  CAST(NULL AS DATE) AS last_investigational_agent_date,
  CAST(NULL AS BOOLEAN) AS current_cidofovir,
  CAST(NULL AS BOOLEAN) AS current_leflunomide,
  CAST(NULL AS BIGINT) AS modified_rankin_scale,
  CAST(NULL AS DOUBLE) AS life_expectancy_weeks,
  CAST(NULL AS BOOLEAN) AS other_active_opportunistic_infection,
  CAST(NULL AS BOOLEAN) AS other_cns_infection,
  CAST(NULL AS BOOLEAN) AS active_malignancy_on_treatment,
  CAST(NULL AS BOOLEAN) AS severe_psychiatric_illness,
  CAST(NULL AS BOOLEAN) AS able_to_consent,
  CAST(NULL AS BOOLEAN) AS able_to_travel_to_site,
  CAST(NULL AS BOOLEAN) AS alternative_therapy_available,
  CAST(NULL AS BOOLEAN) AS oral_absorption_impaired,
  CAST(NULL AS BOOLEAN) AS hla_typing_available,
  CAST(NULL AS BOOLEAN) AS matched_donor_available,
  CAST(NULL AS VARCHAR) AS residence_country,
  CAST(NULL AS VARCHAR) AS residence_town,
  CAST(NULL AS DOUBLE) AS max_travel_km
FROM pml_screening AS s
LEFT JOIN person AS p ON p.person_id = s.person_id
LEFT JOIN pml_measured AS m ON m.person_id = s.person_id
LEFT JOIN pml_recorded AS r ON r.person_id = s.person_id
GROUP BY s.person_id, s.patient_id, s.screening_date, p.year_of_birth, p.month_of_birth,
  p.day_of_birth, p.gender_concept_id;

-- The profile table: every field, in the order of `pml-trials fields`.
CREATE OR REPLACE VIEW profiles AS
SELECT
  patient_id, screening_date, age_years, sex, weight_kg, pregnant_or_breastfeeding,
  agrees_to_contraception, csf_jcv_pcr, csf_jcv_copies_per_ml, brain_biopsy_jcv,
  mri_compatible_with_pml, clinical_features_compatible_with_pml, pml_symptom_onset_date,
  pml_diagnosis_date, pml_progressing, pml_iris, predisposing_conditions, hiv_positive,
  on_antiretroviral_therapy, hiv_rna_copies_per_ml, cd4_cells_per_ul, cd8_cells_per_ul,
  lymphocytes_per_ul, natalizumab_ever, last_natalizumab_dose_date,
  current_immunosuppressive_therapy, prednisone_equivalent_mg_per_day, gvhd_grade,
  active_autoimmune_disease, autoimmune_cns_disease, allogeneic_hct, chronic_gvhd_active,
  gvhd_systemic_treatment, current_biologic_therapy, prior_checkpoint_inhibitor,
  prior_virus_specific_t_cells, prior_cidofovir_or_brincidofovir,
  last_investigational_agent_date, current_cidofovir, current_leflunomide, karnofsky_score,
  modified_rankin_scale, life_expectancy_weeks, other_active_opportunistic_infection,
  other_cns_infection, active_malignancy_on_treatment, severe_psychiatric_illness,
  able_to_consent, able_to_travel_to_site, alternative_therapy_available,
  oral_absorption_impaired, egfr_ml_min_1_73m2, alt_x_uln, ast_x_uln, total_bilirubin_x_uln,
  neutrophils_per_ul, platelets_per_ul, hla_typing_available, matched_donor_available,
  residence_country, residence_town, max_travel_km
FROM pml_profile_values;
