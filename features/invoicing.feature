Feature: Universities are invoiced once a month
  Once a month is over, every active university is invoiced for it: its seats (the students
  its portal reported) and its storage above its quota, at the platform's prices. However
  often the run goes, each university has one invoice for the month.

  Background:
    Given a platform admin named Root
    And Root has created the institution "Cairo University" at "cu.example.edu"
    And "Cairo University" has reported 1200 students

  Scenario: A month is invoiced once even when run twice
    When last month is invoiced
    And last month is invoiced again
    Then "Cairo University" has one invoice for last month, for 1200 seats
    And "Cairo University" is sent its invoice once

  Scenario: An unpaid invoice is chased on the ladder
    When last month is invoiced
    And the invoice of "Cairo University" is 3 days past due
    Then "Cairo University" is reminded that its invoice is 3 days past due
    When the invoice of "Cairo University" is 14 days past due
    Then "Cairo University" is reminded that its invoice is 14 days past due
    And Root sees "Cairo University" flagged past due
