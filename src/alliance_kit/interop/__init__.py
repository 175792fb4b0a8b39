"""Other systems' formats: FHIR R4 (Questionnaire, QuestionnaireResponse bundles) and REDCap."""
