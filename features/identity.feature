Feature: Teachers are approved before they publish
  Anyone may sign up as a teacher and draft courses, but a course reaches students only once a
  platform admin has approved its teacher, and approving needs the teacher's identity
  verified (here by the platform's own review, without an identity vendor). A teacher who is
  turned down is told why, and may apply again with a changed profile.

  Background:
    Given a platform admin named Root
    And a teacher named Tess
    And Tess has drafted a free course "Algebra" with the lesson "Groups"

  Scenario: A teacher applies, verifies, is approved and publishes
    When Tess tries to publish "Algebra"
    Then Tess is told that her application is not approved yet
    When Tess describes herself as "Algebra teacher" with "Ten years at a high school"
    And Tess asks to verify her identity
    And Root approves the identity of Tess
    And Root approves the teacher application of Tess
    Then Tess is told by email that she is approved to teach
    And Tess may publish "Algebra"

  Scenario: A rejected teacher is told why and applies again with a changed profile
    When Tess describes herself as "Algebra teacher" with "I like numbers"
    And Root rejects the teacher application of Tess because "Tell us where you have taught"
    Then Tess is told by email that she was not approved because "Tell us where you have taught"
    And Tess cannot apply again without changing her profile
    When Tess describes herself as "Algebra teacher" with "Ten years at a high school"
    Then the teacher application of Tess is pending again

  Scenario: A student exports and then erases their data
    Given a student named Zuleika
    When Zuleika asks to verify her identity
    And Zuleika asks for a copy of her data
    Then Zuleika is told by email that her copy is ready
    And the copy of the data of Zuleika holds her account and her identity verification
    When Zuleika erases her account with a wrong password
    Then Zuleika is refused
    When Zuleika erases her account with her password
    Then Zuleika can no longer sign in
    And nothing eduport keeps names Zuleika
