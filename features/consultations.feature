Feature: Paid consultations
  A teacher offers consultations at a base fee and a price per minute. A student pays for
  them from their credits, and only for the minutes in which both were in the room: not the
  clock on the wall, not the minutes one of them had dropped out. When the credits run out
  the consultation stops by itself, and a stop sent twice bills once.

  Background:
    Given a teacher named Tess
    And a student named Ann
    And Tess offers consultations at 5.00 USD plus 0.50 USD a minute

  Scenario: The provider drops out for five minutes and those minutes are not billed
    Given Ann holds 20.00 USD of credits
    When Ann starts a consultation with Tess
    And Tess joins the consultation
    And both are there for 10 minutes
    And Tess drops out for 5 minutes while Ann waits
    And Tess joins the consultation
    And both are there for 5 minutes
    And Ann stops the consultation
    Then the consultation is billed 15 minutes for 12.50 USD
    And Ann holds 7.50 USD of credits

  Scenario: A consultation stops when the credits run out
    Given Ann holds 9.00 USD of credits
    When Ann starts a consultation with Tess
    And Tess joins the consultation
    And both are there for 20 minutes
    Then the consultation has stopped because the credits ran out
    And the consultation is billed 8 minutes for 9.00 USD
    And Ann holds 0.00 USD of credits

  Scenario: A stop sent twice, and from both sides, bills once
    Given Ann holds 20.00 USD of credits
    When Ann starts a consultation with Tess
    And Tess joins the consultation
    And both are there for 3 minutes
    And Ann stops the consultation
    And Ann stops the consultation
    And Tess stops the consultation
    Then the consultation is billed 3 minutes for 6.50 USD
    And Ann holds 13.50 USD of credits
