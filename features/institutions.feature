Feature: The platform owner takes on universities
  A platform admin creates a university's institution. Once it is saved it gets its billing
  customer (here eduport's own billing, without a vendor), its primary address is welcomed,
  and its activity says who created it. The university's admin sees their institution, and
  no other.

  Background:
    Given a platform admin named Root

  Scenario: A university is created and gets its customer and welcome
    When Root creates the institution "Cairo University" at "cu.example.edu" on the "pro" plan
    Then "Cairo University" has a billing customer
    And "Cairo University" is welcomed at its primary address
    And the activity of "Cairo University" says Root created it

  Scenario: A university's admin sees their own institution only
    Given Root has created the institution "Cairo University" at "cu.example.edu"
    And Root has created the institution "Alexandria University" at "alex.example.edu"
    And Dina runs "Cairo University"
    Then Dina sees the institution "Cairo University"
    And Dina is refused the institution "Alexandria University"

  Scenario: A forged sync is refused
    Given Root has created the institution "Cairo University" at "cu.example.edu"
    When a report of 15000 students for "Cairo University" arrives signed with another key
    Then the report is refused
    And "Cairo University" still counts 0 students

  Scenario: A quota crossing raises one alert
    Given Root has created the institution "Cairo University" at "cu.example.edu" with a storage quota of 2000 bytes
    And Salma, a student with a confirmed address at "cu.example.edu", has uploaded a CV of 1900 bytes
    When the storage of every institution is measured each night for 3 nights
    Then Root sees one alert "Storage usage at 95%" for "Cairo University"
    And "Cairo University" is warned once that it is using 95% of its storage quota
