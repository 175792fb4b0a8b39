"""FHIR R4: responses as a Bundle of QuestionnaireResponses; instruments as Questionnaires
and back."""
