-- pml-trials 0.1.0: the studies as SQL for duckdb.
-- Pre-screening only. The study team decides eligibility.
-- Reads profiles: one row per patient, one column per profile field; NULL is
-- unknown, never false (`pml-trials sql --schema` gives its CREATE TABLE).
-- A profile without screening_date counts date windows to 2026-11-25.
-- Each criterion column is true, false or NULL (unknown); comments quote the
-- criterion's source words and its rule.


-- Study checkpoint-inhibitor: Pembrolizumab (anti-PD-1 checkpoint inhibitor) for PML
-- File checkpoint-inhibitor.toml, sha256 a4f6db91cb5ca1354f6d21f6d5b38c48db3abc869c9d50112dce4223ccc1be23, last reviewed 2026-12-02
WITH profile AS (
  SELECT
    *,
    COALESCE(screening_date, CAST('2026-11-25' AS DATE)) AS screening_day
  FROM profiles
), criteria AS (
  SELECT
    patient_id,
    screening_day,
    (
      brain_biopsy_jcv = 'positive'
    )
    OR (
      clinical_features_compatible_with_pml
      AND mri_compatible_with_pml
      AND (
        csf_jcv_pcr = 'detected'
      )
    ) AS "confirmed-pml", /* confirmed-pml (inclusion): Definite PML by the AAN 2013 consensus criteria */ /* rule: definite_pml */
    age_years >= 18 AS "adult", /* adult (inclusion): pembrolizumab at a dose of 2 mg per kilogram of body weight every 4 to 6 weeks to eight adults with PML */ /* rule: age_years >= 18 */
    CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'hiv')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'multiple_sclerosis')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'hematologic_malignancy')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'solid_organ_transplant')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'autoimmune_disease')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'primary_immunodeficiency')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'idiopathic_cd4_lymphocytopenia')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'solid_tumor')
    END
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'other')
    END AS "immunocompromised", /* immunocompromised (inclusion): immunocompromised patients */ /* rule: predisposed */
    able_to_consent AS "informed-consent", /* informed-consent (inclusion): Must give written informed consent */ /* rule: able_to_consent */
    life_expectancy_weeks >= 9 AS "life-expectancy", /* life-expectancy (inclusion): Expected survival time of more or equal to 2 months after baseline, as determined by the Investigator */ /* rule: life_expectancy_weeks >= 9 */
    agrees_to_contraception AS "contraception", /* contraception (inclusion): All male subjects and female subjects of child-bearing potential must practice effective contraception during the study and be willing and able to continue contraception for 14 weeks after their last dose of study treatment. */ /* rule: agrees_to_contraception */
    hiv_positive
    OR CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'hiv')
    END AS "hiv-infection", /* hiv-infection (exclusion): immunocompromised patients who do not have HIV infection */ /* rule: hiv_infection */
    current_biologic_therapy
    AND (
      CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'autoimmune_disease')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'multiple_sclerosis')
      END
    ) AS "biologic-for-inflammatory-disease", /* biologic-for-inflammatory-disease (exclusion): who are not receiving biologic treatments for chronic inflammatory diseases */ /* rule: current_biologic_therapy and chronic_inflammatory_disease */
    pml_iris AS "pml-iris", /* pml-iris (exclusion): PML-IRIS (immune reconstitution inflammatory syndrome) present now */ /* rule: pml_iris */
    CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
    END
    AND allogeneic_hct AS "allogeneic-hct", /* allogeneic-hct (exclusion): Any earlier allogeneic (donor) haematopoietic cell transplant */ /* rule: allogeneic_transplant */
    (
      CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
      END
      AND allogeneic_hct
    )
    AND (
      (
        gvhd_grade >= 1
      ) OR chronic_gvhd_active OR gvhd_systemic_treatment
    ) AS "active-gvhd", /* active-gvhd (exclusion): Active acute or chronic graft-versus-host disease, or GVHD on systemic treatment, after an allogeneic haematopoietic cell transplant */ /* rule: allogeneic_transplant and (gvhd_grade >= 1 or chronic_gvhd_active or gvhd_systemic_treatment) */
    CASE
      WHEN predisposing_conditions IS NULL
      THEN NULL
      ELSE LIST_CONTAINS(predisposing_conditions, 'solid_organ_transplant')
    END AS "solid-organ-transplant", /* solid-organ-transplant (exclusion): Recipient of a solid organ transplant */ /* rule: 'solid_organ_transplant' in predisposing_conditions */
    prior_checkpoint_inhibitor AS "prior-checkpoint-inhibitor", /* prior-checkpoint-inhibitor (exclusion): Received prior therapy with any immune checkpoint inhibitors */ /* rule: prior_checkpoint_inhibitor */
    (
      sex = 'female'
    ) AND pregnant_or_breastfeeding AS "pregnancy", /* pregnancy (exclusion): Pregnant or breastfeeding */ /* rule: sex == 'female' and pregnant_or_breastfeeding */
    age_years IS NULL AS "missing__age_years",
    (
      (
        sex = 'female'
      ) AND pregnant_or_breastfeeding
    ) IS NULL
    AND (
      sex IS NULL
    ) AS "missing__sex",
    (
      (
        sex = 'female'
      ) AND pregnant_or_breastfeeding
    ) IS NULL
    AND (
      pregnant_or_breastfeeding IS NULL
    ) AS "missing__pregnant_or_breastfeeding",
    agrees_to_contraception IS NULL AS "missing__agrees_to_contraception",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        csf_jcv_pcr IS NULL
      )
    ) AS "missing__csf_jcv_pcr",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      brain_biopsy_jcv IS NULL
    ) AS "missing__brain_biopsy_jcv",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        mri_compatible_with_pml IS NULL
      )
    ) AS "missing__mri_compatible_with_pml",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        clinical_features_compatible_with_pml IS NULL
      )
    ) AS "missing__clinical_features_compatible_with_pml",
    pml_iris IS NULL AS "missing__pml_iris",
    (
      CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hiv')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'multiple_sclerosis')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hematologic_malignancy')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'solid_organ_transplant')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'autoimmune_disease')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'primary_immunodeficiency')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'idiopathic_cd4_lymphocytopenia')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'solid_tumor')
      END
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'other')
      END
    ) IS NULL
    AND (
      predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
      OR predisposing_conditions IS NULL
    )
    OR (
      hiv_positive
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hiv')
      END
    ) IS NULL
    AND (
      predisposing_conditions IS NULL
    )
    OR (
      current_biologic_therapy
      AND (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'autoimmune_disease')
        END
        OR CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'multiple_sclerosis')
        END
      )
    ) IS NULL
    AND (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'autoimmune_disease')
        END
        OR CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'multiple_sclerosis')
        END
      ) IS NULL
      AND (
        predisposing_conditions IS NULL OR predisposing_conditions IS NULL
      )
    )
    OR (
      CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
      END
      AND allogeneic_hct
    ) IS NULL
    AND (
      predisposing_conditions IS NULL
    )
    OR (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      )
      AND (
        (
          gvhd_grade >= 1
        ) OR chronic_gvhd_active OR gvhd_systemic_treatment
      )
    ) IS NULL
    AND (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      ) IS NULL
      AND (
        predisposing_conditions IS NULL
      )
    )
    OR predisposing_conditions IS NULL AS "missing__predisposing_conditions",
    (
      hiv_positive
      OR CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hiv')
      END
    ) IS NULL
    AND (
      hiv_positive IS NULL
    ) AS "missing__hiv_positive",
    (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      )
      AND (
        (
          gvhd_grade >= 1
        ) OR chronic_gvhd_active OR gvhd_systemic_treatment
      )
    ) IS NULL
    AND (
      (
        (
          gvhd_grade >= 1
        ) OR chronic_gvhd_active OR gvhd_systemic_treatment
      ) IS NULL
      AND (
        gvhd_grade IS NULL
      )
    ) AS "missing__gvhd_grade",
    (
      CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
      END
      AND allogeneic_hct
    ) IS NULL
    AND (
      allogeneic_hct IS NULL
    )
    OR (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      )
      AND (
        (
          gvhd_grade >= 1
        ) OR chronic_gvhd_active OR gvhd_systemic_treatment
      )
    ) IS NULL
    AND (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      ) IS NULL
      AND (
        allogeneic_hct IS NULL
      )
    ) AS "missing__allogeneic_hct",
    (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      )
      AND (
        (
          gvhd_grade >= 1
        ) OR chronic_gvhd_active OR gvhd_systemic_treatment
      )
    ) IS NULL
    AND (
      (
        (
          gvhd_grade >= 1
        ) OR chronic_gvhd_active OR gvhd_systemic_treatment
      ) IS NULL
      AND (
        chronic_gvhd_active IS NULL
      )
    ) AS "missing__chronic_gvhd_active",
    (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      )
      AND (
        (
          gvhd_grade >= 1
        ) OR chronic_gvhd_active OR gvhd_systemic_treatment
      )
    ) IS NULL
    AND (
      (
        (
          gvhd_grade >= 1
        ) OR chronic_gvhd_active OR gvhd_systemic_treatment
      ) IS NULL
      AND (
        gvhd_systemic_treatment IS NULL
      )
    ) AS "missing__gvhd_systemic_treatment",
    (
      current_biologic_therapy
      AND (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'autoimmune_disease')
        END
        OR CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'multiple_sclerosis')
        END
      )
    ) IS NULL
    AND (
      current_biologic_therapy IS NULL
    ) AS "missing__current_biologic_therapy",
    prior_checkpoint_inhibitor IS NULL AS "missing__prior_checkpoint_inhibitor",
    life_expectancy_weeks IS NULL AS "missing__life_expectancy_weeks",
    able_to_consent IS NULL AS "missing__able_to_consent"
  FROM profile
), verdicts AS (
  SELECT
    *,
    CASE
      WHEN COALESCE(NOT "confirmed-pml", FALSE)
      OR COALESCE(NOT "adult", FALSE)
      OR COALESCE(NOT "immunocompromised", FALSE)
      OR COALESCE(NOT "informed-consent", FALSE)
      OR COALESCE(NOT "life-expectancy", FALSE)
      OR COALESCE(NOT "contraception", FALSE)
      OR COALESCE("hiv-infection", FALSE)
      OR COALESCE("biologic-for-inflammatory-disease", FALSE)
      OR COALESCE("pml-iris", FALSE)
      OR COALESCE("allogeneic-hct", FALSE)
      OR COALESCE("active-gvhd", FALSE)
      OR COALESCE("solid-organ-transplant", FALSE)
      OR COALESCE("prior-checkpoint-inhibitor", FALSE)
      OR COALESCE("pregnancy", FALSE)
      THEN 'ineligible'
      WHEN "confirmed-pml" IS NULL
      OR "adult" IS NULL
      OR "immunocompromised" IS NULL
      OR "informed-consent" IS NULL
      OR "life-expectancy" IS NULL
      OR "contraception" IS NULL
      OR "hiv-infection" IS NULL
      OR "biologic-for-inflammatory-disease" IS NULL
      OR "pml-iris" IS NULL
      OR "allogeneic-hct" IS NULL
      OR "active-gvhd" IS NULL
      OR "solid-organ-transplant" IS NULL
      OR "prior-checkpoint-inhibitor" IS NULL
      OR "pregnancy" IS NULL
      THEN 'needs-information'
      ELSE 'eligible'
    END AS "verdict"
  FROM criteria
)
SELECT
  patient_id,
  screening_day AS screening_date,
  'checkpoint-inhibitor' AS trial_id,
  "verdict",
  "confirmed-pml",
  "adult",
  "immunocompromised",
  "informed-consent",
  "life-expectancy",
  "contraception",
  "hiv-infection",
  "biologic-for-inflammatory-disease",
  "pml-iris",
  "allogeneic-hct",
  "active-gvhd",
  "solid-organ-transplant",
  "prior-checkpoint-inhibitor",
  "pregnancy",
  LIST_FILTER(
    [
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__age_years"
        THEN 'age_years'
      END,
      CASE WHEN "verdict" = 'needs-information' AND "missing__sex" THEN 'sex' END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__pregnant_or_breastfeeding"
        THEN 'pregnant_or_breastfeeding'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__agrees_to_contraception"
        THEN 'agrees_to_contraception'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__csf_jcv_pcr"
        THEN 'csf_jcv_pcr'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__brain_biopsy_jcv"
        THEN 'brain_biopsy_jcv'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__mri_compatible_with_pml"
        THEN 'mri_compatible_with_pml'
      END,
      CASE
        WHEN "verdict" = 'needs-information'
        AND "missing__clinical_features_compatible_with_pml"
        THEN 'clinical_features_compatible_with_pml'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__pml_iris"
        THEN 'pml_iris'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__predisposing_conditions"
        THEN 'predisposing_conditions'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__hiv_positive"
        THEN 'hiv_positive'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__gvhd_grade"
        THEN 'gvhd_grade'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__allogeneic_hct"
        THEN 'allogeneic_hct'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__chronic_gvhd_active"
        THEN 'chronic_gvhd_active'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__gvhd_systemic_treatment"
        THEN 'gvhd_systemic_treatment'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__current_biologic_therapy"
        THEN 'current_biologic_therapy'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__prior_checkpoint_inhibitor"
        THEN 'prior_checkpoint_inhibitor'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__life_expectancy_weeks"
        THEN 'life_expectancy_weeks'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__able_to_consent"
        THEN 'able_to_consent'
      END
    ],
    LAMBDA _u : NOT _u IS NULL
  ) AS "missing_fields"
FROM verdicts;


-- Study cmx001: CMX001 (brincidofovir) for serious JC virus disease (modelled on CMX001-350)
-- File cmx001.toml, sha256 44036ddb1e8696fad136a4ca6bf0c41f0df36e417614b62bb5e16f933d92e761, last reviewed 2026-12-02
WITH profile AS (
  SELECT
    *,
    COALESCE(screening_date, CAST('2026-11-25' AS DATE)) AS screening_day
  FROM profiles
), criteria AS (
  SELECT
    patient_id,
    screening_day,
    (
      brain_biopsy_jcv = 'positive'
    )
    OR (
      clinical_features_compatible_with_pml
      AND mri_compatible_with_pml
      AND (
        csf_jcv_pcr = 'detected'
      )
    ) AS "jc-virus-disease", /* jc-virus-disease (inclusion): any of 12 different dsDNA viral infections, including ... polyoma viruses (BK virus and JC virus) */ /* rule: definite_pml */
    (
      brain_biopsy_jcv = 'positive'
    )
    OR (
      clinical_features_compatible_with_pml
      AND mri_compatible_with_pml
      AND (
        csf_jcv_pcr = 'detected'
      )
    ) AS "serious-disease", /* serious-disease (inclusion): Serious or Immediately Life-threatening Disease or Condition */ /* rule: definite_pml */
    life_expectancy_weeks >= 2 AS "life-expectancy", /* life-expectancy (inclusion): Who Have a Life Expectancy of ≥ 2 Weeks */ /* rule: life_expectancy_weeks >= 2 */
    NOT alternative_therapy_available AS "no-alternative-therapy", /* no-alternative-therapy (inclusion): for Whom no Comparable or Satisfactory Alternative Therapy is Available */ /* rule: not alternative_therapy_available */
    able_to_consent AS "informed-consent", /* informed-consent (inclusion): Must give written informed consent */ /* rule: able_to_consent */
    egfr_ml_min_1_73m2 < 15 AS "renal-function", /* renal-function (exclusion): Creatinine clearance < 15 mL/min/1.73m2 */ /* rule: egfr_ml_min_1_73m2 < 15 */
    (
      alt_x_uln >= 2.6
    ) OR (
      ast_x_uln >= 2.6
    ) AS "liver-enzymes", /* liver-enzymes (exclusion): ALT or AST ≥ 2.6-times upper limit normal */ /* rule: alt_x_uln >= 2.6 or ast_x_uln >= 2.6 */
    oral_absorption_impaired AS "oral-absorption", /* oral-absorption (exclusion): Gastrointestinal abnormality which might preclude absorption of an oral medication */ /* rule: oral_absorption_impaired */
    current_cidofovir AS "current-cidofovir", /* current-cidofovir (exclusion): Receiving cidofovir now */ /* rule: current_cidofovir */
    (
      sex = 'female'
    ) AND pregnant_or_breastfeeding AS "pregnancy", /* pregnancy (exclusion): Pregnant or breastfeeding */ /* rule: sex == 'female' and pregnant_or_breastfeeding */
    (
      (
        sex = 'female'
      ) AND pregnant_or_breastfeeding
    ) IS NULL
    AND (
      sex IS NULL
    ) AS "missing__sex",
    (
      (
        sex = 'female'
      ) AND pregnant_or_breastfeeding
    ) IS NULL
    AND (
      pregnant_or_breastfeeding IS NULL
    ) AS "missing__pregnant_or_breastfeeding",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        csf_jcv_pcr IS NULL
      )
    )
    OR (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        csf_jcv_pcr IS NULL
      )
    ) AS "missing__csf_jcv_pcr",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      brain_biopsy_jcv IS NULL
    )
    OR (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      brain_biopsy_jcv IS NULL
    ) AS "missing__brain_biopsy_jcv",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        mri_compatible_with_pml IS NULL
      )
    )
    OR (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        mri_compatible_with_pml IS NULL
      )
    ) AS "missing__mri_compatible_with_pml",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        clinical_features_compatible_with_pml IS NULL
      )
    )
    OR (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        clinical_features_compatible_with_pml IS NULL
      )
    ) AS "missing__clinical_features_compatible_with_pml",
    current_cidofovir IS NULL AS "missing__current_cidofovir",
    life_expectancy_weeks IS NULL AS "missing__life_expectancy_weeks",
    able_to_consent IS NULL AS "missing__able_to_consent",
    alternative_therapy_available IS NULL AS "missing__alternative_therapy_available",
    oral_absorption_impaired IS NULL AS "missing__oral_absorption_impaired",
    egfr_ml_min_1_73m2 IS NULL AS "missing__egfr_ml_min_1_73m2",
    (
      (
        alt_x_uln >= 2.6
      ) OR (
        ast_x_uln >= 2.6
      )
    ) IS NULL
    AND (
      alt_x_uln IS NULL
    ) AS "missing__alt_x_uln",
    (
      (
        alt_x_uln >= 2.6
      ) OR (
        ast_x_uln >= 2.6
      )
    ) IS NULL
    AND (
      ast_x_uln IS NULL
    ) AS "missing__ast_x_uln"
  FROM profile
), verdicts AS (
  SELECT
    *,
    CASE
      WHEN COALESCE(NOT "jc-virus-disease", FALSE)
      OR COALESCE(NOT "serious-disease", FALSE)
      OR COALESCE(NOT "life-expectancy", FALSE)
      OR COALESCE(NOT "no-alternative-therapy", FALSE)
      OR COALESCE(NOT "informed-consent", FALSE)
      OR COALESCE("renal-function", FALSE)
      OR COALESCE("liver-enzymes", FALSE)
      OR COALESCE("oral-absorption", FALSE)
      OR COALESCE("current-cidofovir", FALSE)
      OR COALESCE("pregnancy", FALSE)
      THEN 'ineligible'
      WHEN "jc-virus-disease" IS NULL
      OR "serious-disease" IS NULL
      OR "life-expectancy" IS NULL
      OR "no-alternative-therapy" IS NULL
      OR "informed-consent" IS NULL
      OR "renal-function" IS NULL
      OR "liver-enzymes" IS NULL
      OR "oral-absorption" IS NULL
      OR "current-cidofovir" IS NULL
      OR "pregnancy" IS NULL
      THEN 'needs-information'
      ELSE 'eligible'
    END AS "verdict"
  FROM criteria
)
SELECT
  patient_id,
  screening_day AS screening_date,
  'cmx001' AS trial_id,
  "verdict",
  "jc-virus-disease",
  "serious-disease",
  "life-expectancy",
  "no-alternative-therapy",
  "informed-consent",
  "renal-function",
  "liver-enzymes",
  "oral-absorption",
  "current-cidofovir",
  "pregnancy",
  LIST_FILTER(
    [
      CASE WHEN "verdict" = 'needs-information' AND "missing__sex" THEN 'sex' END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__pregnant_or_breastfeeding"
        THEN 'pregnant_or_breastfeeding'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__csf_jcv_pcr"
        THEN 'csf_jcv_pcr'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__brain_biopsy_jcv"
        THEN 'brain_biopsy_jcv'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__mri_compatible_with_pml"
        THEN 'mri_compatible_with_pml'
      END,
      CASE
        WHEN "verdict" = 'needs-information'
        AND "missing__clinical_features_compatible_with_pml"
        THEN 'clinical_features_compatible_with_pml'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__current_cidofovir"
        THEN 'current_cidofovir'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__life_expectancy_weeks"
        THEN 'life_expectancy_weeks'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__able_to_consent"
        THEN 'able_to_consent'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__alternative_therapy_available"
        THEN 'alternative_therapy_available'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__oral_absorption_impaired"
        THEN 'oral_absorption_impaired'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__egfr_ml_min_1_73m2"
        THEN 'egfr_ml_min_1_73m2'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__alt_x_uln"
        THEN 'alt_x_uln'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__ast_x_uln"
        THEN 'ast_x_uln'
      END
    ],
    LAMBDA _u : NOT _u IS NULL
  ) AS "missing_fields"
FROM verdicts;


-- Study tcell-transfer: Allogeneic polyomavirus-specific T cells for PML (modelled on CurePML)
-- File tcell-transfer.toml, sha256 13f4166a9957f3d03e403c5a99c722e8906198f9cc7a07cde6af67d50bc60ac7, last reviewed 2026-12-02
WITH profile AS (
  SELECT
    *,
    COALESCE(screening_date, CAST('2026-11-25' AS DATE)) AS screening_day
  FROM profiles
), criteria AS (
  SELECT
    patient_id,
    screening_day,
    (
      brain_biopsy_jcv = 'positive'
    )
    OR (
      clinical_features_compatible_with_pml
      AND mri_compatible_with_pml
      AND (
        csf_jcv_pcr = 'detected'
      )
    ) AS "confirmed-pml", /* confirmed-pml (inclusion): Eligibility ... was assessed for patients with confirmed PML */ /* rule: definite_pml */
    age_years >= 18 AS "adult", /* adult (inclusion): Adults (18 years or older) */ /* rule: age_years >= 18 */
    matched_donor_available AS "matched-donor", /* matched-donor (inclusion): A search for the most closely HLA-matched donor was initiated through the MDACC cell therapy donor bank. */ /* rule: matched_donor_available */
    able_to_consent AS "informed-consent", /* informed-consent (inclusion): Must give written informed consent */ /* rule: able_to_consent */
    life_expectancy_weeks >= 9 AS "life-expectancy", /* life-expectancy (inclusion): Expected survival time of more or equal to 2 months after baseline, as determined by the Investigator */ /* rule: life_expectancy_weeks >= 9 */
    NOT other_active_opportunistic_infection AS "no-other-opportunistic-infection", /* no-other-opportunistic-infection (inclusion): No other current active opportunistic infections requiring systemic therapy. */ /* rule: not other_active_opportunistic_infection */
    agrees_to_contraception AS "contraception", /* contraception (inclusion): All male subjects and female subjects of child-bearing potential must practice effective contraception during the study and be willing and able to continue contraception for 14 weeks after their last dose of study treatment. */ /* rule: agrees_to_contraception */
    NOT pml_progressing AS "stable-pml", /* stable-pml (exclusion): exclusion criteria included stable PML disease */ /* rule: not pml_progressing */
    pml_iris AS "pml-iris", /* pml-iris (exclusion): PML-IRIS (immune reconstitution inflammatory syndrome) present now */ /* rule: pml_iris */
    natalizumab_ever AS "prior-natalizumab", /* prior-natalizumab (exclusion): exclusion criteria included ... previous treatment with natalizumab */ /* rule: natalizumab_ever */
    (
      prednisone_equivalent_mg_per_day > 0
    )
    AND (
      (
        prednisone_equivalent_mg_per_day / NULLIF(weight_kg, 0)
      ) > 0.5
    ) AS "high-dose-steroids", /* high-dose-steroids (exclusion): those receiving >0.5 mg/kg systemic steroids/day ... were excluded */ /* rule: prednisone_equivalent_mg_per_day > 0 and prednisone_equivalent_mg_per_day / weight_kg > 0.5 */
    (
      CASE
        WHEN predisposing_conditions IS NULL
        THEN NULL
        ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
      END
      AND allogeneic_hct
    )
    AND (
      gvhd_grade >= 2
    ) AS "acute-gvhd", /* acute-gvhd (exclusion): Patients with acute GVHD grades II-IV ... were excluded */ /* rule: allogeneic_transplant and gvhd_grade >= 2 */
    current_cidofovir OR current_leflunomide AS "cidofovir-or-leflunomide", /* cidofovir-or-leflunomide (exclusion): on treatment with cidofovir or leflunomide were excluded */ /* rule: current_cidofovir or current_leflunomide */
    other_cns_infection AS "other-cns-infection", /* other-cns-infection (exclusion): Other opportunistic infection of the central nervous system. */ /* rule: other_cns_infection */
    (
      sex = 'female'
    ) AND pregnant_or_breastfeeding AS "pregnancy", /* pregnancy (exclusion): Pregnant or breastfeeding */ /* rule: sex == 'female' and pregnant_or_breastfeeding */
    age_years IS NULL AS "missing__age_years",
    (
      (
        sex = 'female'
      ) AND pregnant_or_breastfeeding
    ) IS NULL
    AND (
      sex IS NULL
    ) AS "missing__sex",
    (
      (
        prednisone_equivalent_mg_per_day > 0
      )
      AND (
        (
          prednisone_equivalent_mg_per_day / NULLIF(weight_kg, 0)
        ) > 0.5
      )
    ) IS NULL
    AND (
      weight_kg IS NULL
    ) AS "missing__weight_kg",
    (
      (
        sex = 'female'
      ) AND pregnant_or_breastfeeding
    ) IS NULL
    AND (
      pregnant_or_breastfeeding IS NULL
    ) AS "missing__pregnant_or_breastfeeding",
    agrees_to_contraception IS NULL AS "missing__agrees_to_contraception",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        csf_jcv_pcr IS NULL
      )
    ) AS "missing__csf_jcv_pcr",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      brain_biopsy_jcv IS NULL
    ) AS "missing__brain_biopsy_jcv",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        mri_compatible_with_pml IS NULL
      )
    ) AS "missing__mri_compatible_with_pml",
    (
      (
        brain_biopsy_jcv = 'positive'
      )
      OR (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      )
    ) IS NULL
    AND (
      (
        clinical_features_compatible_with_pml
        AND mri_compatible_with_pml
        AND (
          csf_jcv_pcr = 'detected'
        )
      ) IS NULL
      AND (
        clinical_features_compatible_with_pml IS NULL
      )
    ) AS "missing__clinical_features_compatible_with_pml",
    pml_progressing IS NULL AS "missing__pml_progressing",
    pml_iris IS NULL AS "missing__pml_iris",
    (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      )
      AND (
        gvhd_grade >= 2
      )
    ) IS NULL
    AND (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      ) IS NULL
      AND (
        predisposing_conditions IS NULL
      )
    ) AS "missing__predisposing_conditions",
    natalizumab_ever IS NULL AS "missing__natalizumab_ever",
    (
      (
        prednisone_equivalent_mg_per_day > 0
      )
      AND (
        (
          prednisone_equivalent_mg_per_day / NULLIF(weight_kg, 0)
        ) > 0.5
      )
    ) IS NULL
    AND (
      prednisone_equivalent_mg_per_day IS NULL
      OR prednisone_equivalent_mg_per_day IS NULL
    ) AS "missing__prednisone_equivalent_mg_per_day",
    (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      )
      AND (
        gvhd_grade >= 2
      )
    ) IS NULL
    AND (
      gvhd_grade IS NULL
    ) AS "missing__gvhd_grade",
    (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      )
      AND (
        gvhd_grade >= 2
      )
    ) IS NULL
    AND (
      (
        CASE
          WHEN predisposing_conditions IS NULL
          THEN NULL
          ELSE LIST_CONTAINS(predisposing_conditions, 'hematopoietic_cell_transplant')
        END
        AND allogeneic_hct
      ) IS NULL
      AND (
        allogeneic_hct IS NULL
      )
    ) AS "missing__allogeneic_hct",
    (
      current_cidofovir OR current_leflunomide
    ) IS NULL
    AND (
      current_cidofovir IS NULL
    ) AS "missing__current_cidofovir",
    (
      current_cidofovir OR current_leflunomide
    ) IS NULL
    AND (
      current_leflunomide IS NULL
    ) AS "missing__current_leflunomide",
    life_expectancy_weeks IS NULL AS "missing__life_expectancy_weeks",
    other_active_opportunistic_infection IS NULL AS "missing__other_active_opportunistic_infection",
    other_cns_infection IS NULL AS "missing__other_cns_infection",
    able_to_consent IS NULL AS "missing__able_to_consent",
    matched_donor_available IS NULL AS "missing__matched_donor_available"
  FROM profile
), verdicts AS (
  SELECT
    *,
    CASE
      WHEN COALESCE(NOT "confirmed-pml", FALSE)
      OR COALESCE(NOT "adult", FALSE)
      OR COALESCE(NOT "matched-donor", FALSE)
      OR COALESCE(NOT "informed-consent", FALSE)
      OR COALESCE(NOT "life-expectancy", FALSE)
      OR COALESCE(NOT "no-other-opportunistic-infection", FALSE)
      OR COALESCE(NOT "contraception", FALSE)
      OR COALESCE("stable-pml", FALSE)
      OR COALESCE("pml-iris", FALSE)
      OR COALESCE("prior-natalizumab", FALSE)
      OR COALESCE("high-dose-steroids", FALSE)
      OR COALESCE("acute-gvhd", FALSE)
      OR COALESCE("cidofovir-or-leflunomide", FALSE)
      OR COALESCE("other-cns-infection", FALSE)
      OR COALESCE("pregnancy", FALSE)
      THEN 'ineligible'
      WHEN "confirmed-pml" IS NULL
      OR "adult" IS NULL
      OR "matched-donor" IS NULL
      OR "informed-consent" IS NULL
      OR "life-expectancy" IS NULL
      OR "no-other-opportunistic-infection" IS NULL
      OR "contraception" IS NULL
      OR "stable-pml" IS NULL
      OR "pml-iris" IS NULL
      OR "prior-natalizumab" IS NULL
      OR "high-dose-steroids" IS NULL
      OR "acute-gvhd" IS NULL
      OR "cidofovir-or-leflunomide" IS NULL
      OR "other-cns-infection" IS NULL
      OR "pregnancy" IS NULL
      THEN 'needs-information'
      ELSE 'eligible'
    END AS "verdict"
  FROM criteria
)
SELECT
  patient_id,
  screening_day AS screening_date,
  'tcell-transfer' AS trial_id,
  "verdict",
  "confirmed-pml",
  "adult",
  "matched-donor",
  "informed-consent",
  "life-expectancy",
  "no-other-opportunistic-infection",
  "contraception",
  "stable-pml",
  "pml-iris",
  "prior-natalizumab",
  "high-dose-steroids",
  "acute-gvhd",
  "cidofovir-or-leflunomide",
  "other-cns-infection",
  "pregnancy",
  LIST_FILTER(
    [
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__age_years"
        THEN 'age_years'
      END,
      CASE WHEN "verdict" = 'needs-information' AND "missing__sex" THEN 'sex' END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__weight_kg"
        THEN 'weight_kg'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__pregnant_or_breastfeeding"
        THEN 'pregnant_or_breastfeeding'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__agrees_to_contraception"
        THEN 'agrees_to_contraception'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__csf_jcv_pcr"
        THEN 'csf_jcv_pcr'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__brain_biopsy_jcv"
        THEN 'brain_biopsy_jcv'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__mri_compatible_with_pml"
        THEN 'mri_compatible_with_pml'
      END,
      CASE
        WHEN "verdict" = 'needs-information'
        AND "missing__clinical_features_compatible_with_pml"
        THEN 'clinical_features_compatible_with_pml'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__pml_progressing"
        THEN 'pml_progressing'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__pml_iris"
        THEN 'pml_iris'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__predisposing_conditions"
        THEN 'predisposing_conditions'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__natalizumab_ever"
        THEN 'natalizumab_ever'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__prednisone_equivalent_mg_per_day"
        THEN 'prednisone_equivalent_mg_per_day'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__gvhd_grade"
        THEN 'gvhd_grade'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__allogeneic_hct"
        THEN 'allogeneic_hct'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__current_cidofovir"
        THEN 'current_cidofovir'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__current_leflunomide"
        THEN 'current_leflunomide'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__life_expectancy_weeks"
        THEN 'life_expectancy_weeks'
      END,
      CASE
        WHEN "verdict" = 'needs-information'
        AND "missing__other_active_opportunistic_infection"
        THEN 'other_active_opportunistic_infection'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__other_cns_infection"
        THEN 'other_cns_infection'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__able_to_consent"
        THEN 'able_to_consent'
      END,
      CASE
        WHEN "verdict" = 'needs-information' AND "missing__matched_donor_available"
        THEN 'matched_donor_available'
      END
    ],
    LAMBDA _u : NOT _u IS NULL
  ) AS "missing_fields"
FROM verdicts;
