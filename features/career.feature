Feature: Students plan a career and apply for jobs
  A student has their CV analysed and learns what a role needs, with the platform's own
  courses that teach it (here by the offline advisor, without an AI vendor); when the AI
  vendor is configured but down, the student is told so and nothing is charged. Companies
  post jobs; a student applies with an uploaded CV and is told of every step the company takes.

  Background:
    Given a student named Sam
    And a teacher named Tess
    And Tess has published a course "SQL for analysts"

  Scenario: A student's CV is analysed
    When Sam has the CV "Experience: built dashboards in Excel and Python for 3 teams" analysed
    Then the analysis of Sam names the skills "Excel, Python"
    And the analysis of Sam has strengths, weaknesses, improvements and ATS tips

  Scenario: A learning path names our courses
    When Sam asks for a learning path to "Data analyst" knowing "Excel"
    Then the learning path of Sam points at the course "SQL for analysts"

  Scenario: A student applies and is told when the company invites them to interview
    Given a company named Acme
    And Acme has posted the job "Junior data analyst"
    When Sam applies to "Junior data analyst" with an uploaded CV
    Then Acme is told by email that Sam applied to "Junior data analyst"
    When Acme invites Sam to interview for "Junior data analyst"
    Then Sam is told by email and in the app of the interview for "Junior data analyst"

  Scenario: The AI vendor is down and the student gets a clear 503
    Given a platform admin named Root
    And the AI vendor is down
    When Sam asks to have the CV "Experience: built dashboards in Python" analysed
    Then Sam is told the advisor is unavailable and to come back later
    And Root sees no advisor call charged to anyone
