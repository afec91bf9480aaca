Feature: Live classes
  A course's teacher runs live classes in a video room nobody can guess. The course's
  students are told when a class starts and may join it; nobody else may. eduport keeps who
  was there and for how long, from the heartbeats their app sends every 30 seconds.

  Background:
    Given a teacher named Grace
    And a student named Ann
    And a student named Bob
    And Grace has published a free course "Compilers" with the lesson "Welcome"
    And Ann has enrolled in "Compilers"
    And Bob has enrolled in "Compilers"
    And Grace has scheduled the live class "Parsing" of "Compilers" for 60 minutes

  Scenario: A teacher starts a class and the enrolled students are told
    When Grace starts the live class "Parsing"
    Then Ann and Bob are told that "Parsing" of "Compilers" has started
    And Ann may join "Parsing" as a member of the audience
    And Grace may join "Parsing" as its host

  Scenario: A student who is not enrolled cannot join
    Given a student named Cy
    When Grace starts the live class "Parsing"
    And Cy tries to join "Parsing"
    Then Cy is refused

  Scenario: A student joins late and leaves early, and the attendance shows it
    When Grace starts the live class "Parsing"
    And Grace joins "Parsing" at once and stays for 50 minutes
    And Ann joins "Parsing" 10 minutes in and leaves 25 minutes later
    And Grace ends the live class "Parsing"
    Then the attendance of "Parsing" shows Ann for 25 minutes and Grace for 50 minutes
    And the attendance of "Parsing" shows that Bob never joined
