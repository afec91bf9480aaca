Feature: Messaging
  eduport tells people what happens to them: by email, in the language they chose, and in
  an inbox inside the app that keeps every message. An address that bounced for good, or
  whose owner marked a message as spam, gets no more mail.

  Scenario: An Arabic-speaking student is welcomed from right to left
    When Layla signs up as a student speaking Arabic
    Then Layla receives a welcome email in Arabic, written from right to left
    And her name stands apart from the Arabic text around it

  Scenario: A student reads a notification
    Given Alan has signed up as a student
    Then Alan has 2 unread notifications
    When Alan reads his newest notification
    Then Alan has 1 unread notification
    When Alan marks every notification read
    Then Alan has 0 unread notifications

  Scenario: Nobody reads another person's notifications
    Given Alan has signed up as a student
    And Grace has signed up as a teacher
    When Grace tries to read Alan's newest notification
    Then Grace is told there is no such thing

  Scenario: A bounced address gets no more mail
    Given Alan has signed up as a student
    When the mail service reports that mail to Alan bounced for good
    Then Alan's account shows that his address is undeliverable
    When Alan asks for a password reset
    Then Alan receives no password reset email

  Scenario: Nobody listens on another person's private channel
    Given Alan has signed up as a student
    And Grace has signed up as a teacher
    When Grace asks to listen on her own private channel
    Then Grace may listen
    When Grace asks to listen on Alan's private channel
    Then Grace is refused
