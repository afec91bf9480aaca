Feature: Accounts
  Students, teachers and companies open their own accounts, confirm their email address
  and sign in. Signing in opens a session, which the app keeps alive with a renewal key
  that works once; a forgotten password is reset from a link sent by email. Platform
  admins are appointed by the operators; they manage roles, and the audit log records
  every change they make.

  Rule: Anyone can sign up as a student, a teacher or a company

    Scenario Outline: Signing up as a <role>
      When <name> signs up as a <role>
      Then <name> has a <role> account
      And <name> receives a welcome email for a <role> account
      And <name> receives an email asking to confirm the email address
      And the email address of <name> is not confirmed yet

      Examples:
        | name  | role    |
        | Alan  | student |
        | Grace | teacher |
        | Acme  | company |

    Scenario: Nobody becomes a platform admin by signing up
      When Mallory signs up as a platform admin
      Then Mallory is told that the sign-up details are not valid
      And Mallory cannot sign in
      And Mallory receives no email

    Scenario: An email address belongs to one account, and signing up tells nobody whose
      Given Alan has signed up as a student
      When Eve signs up as a teacher with the email address of Alan
      Then Eve gets the answer anyone signing up gets
      And Alan is told by email that someone tried to sign up with his address
      And Alan still has a student account

  Rule: The email address is confirmed from the link in the email

    Background:
      Given Alan has signed up as a student

    Scenario: Confirming the email address
      When Alan follows the link in the confirmation email
      Then the email address of Alan is confirmed

    Scenario: A confirmation link works only once
      Given Alan has followed the link in the confirmation email
      When Alan follows the link in the confirmation email again
      Then Alan is told that the link is no longer valid
      And the email address of Alan is confirmed

  Rule: Signing in never reveals who has an account

    Background:
      Given Alan has signed up as a student

    Scenario: Signing in with the right password
      When Alan signs in
      Then Alan is signed in as a student

    Scenario: A wrong password and an unknown email address get the same answer
      When Alan signs in with a wrong password
      And someone signs in with an email address nobody signed up with
      Then both are refused
      And nothing in the two refusals tells them apart

  Rule: A session is renewed with a key that works once

    Background:
      Given a student named Alan

    Scenario: Renewing the session without typing the password again
      When Alan renews the session
      Then Alan is still signed in as a student
      And Alan was given a new renewal key

    Scenario: A renewal key presented twice ends the session
      Given Alan has renewed the session
      When someone renews the session with the renewal key Alan already used
      Then that attempt is refused
      And Alan can no longer renew the session
      But Alan can sign in again

  Rule: A forgotten password is reset from a link in an email

    Background:
      Given a student named Alan

    Scenario: Resetting the password ends the sessions opened with the old one
      When Alan asks for a password reset
      And Alan chooses the new password "an entirely new secret" from the link in the reset email
      Then Alan can sign in with the new password
      But Alan cannot sign in with the old password
      And the session Alan opened before can no longer be renewed

    Scenario: Asking for a reset reveals nothing about who has an account
      When Alan asks for a password reset
      And someone asks for a password reset for an email address nobody signed up with
      Then both get the same answer
      And a reset email is sent to Alan only

  Rule: Only platform admins manage roles, and every change is audited

    Background:
      Given a platform admin named Ada
      And a student named Alan

    Scenario: Students are kept out of the admin areas
      Given a teacher named Grace
      When Alan opens the audit log
      Then Alan is refused
      When Alan tries to make Grace a student
      Then Alan is refused
      And Grace still has a teacher account

    Scenario: An admin changes a role, and the change is audited
      When Ada makes Alan a teacher
      Then Alan has a teacher account
      And the session Alan opened as a student can no longer be renewed
      And the audit log shows that Ada changed the role of Alan from student to teacher

    Scenario: An admin cannot change their own role
      When Ada tries to make Ada a student
      Then Ada is refused
      And Ada still has a platform admin account
