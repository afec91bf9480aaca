Feature: Files and secure video
  Files are uploaded straight to the store on a short-lived signed link, and eduport checks
  what arrived before anything may use it: the size declared, the type declared, and bytes
  that really are that format. Nothing is public: every file is fetched on a signed link
  made for someone allowed to see it. A lesson's protected video plays only for the course's
  students, with their name and email moving across the picture.

  Background:
    Given a teacher named Grace
    And a student named Ann
    And a student named Bob
    And Grace has published a free course "Compilers" with the lesson "Welcome"

  Scenario: A teacher uploads a thumbnail and it shows in the catalog
    When Grace uploads the picture "parser.png" as the thumbnail of "Compilers"
    Then the catalog shows "Compilers" with that thumbnail
    And anyone can fetch the thumbnail from the catalog's link

  Scenario: A program renamed to look like a picture is refused at completion
    When Grace uploads the program "setup.exe" renamed "cover.png" as the thumbnail of "Compilers"
    Then Grace is told that the file is not a PNG image
    And the upload cannot be used as the thumbnail of "Compilers"
    And nothing of it is left in the store

  Scenario: An enrolled student gets a watermarked video and another student does not
    Given Grace has uploaded the video of "Welcome" of "Compilers" to the video vault
    And Ann has enrolled in "Compilers"
    When Ann opens the lesson "Welcome" of "Compilers"
    Then Ann gets a one-time playback of the video, valid for 5 minutes
    And the video shows Ann's name and email as a watermark
    When Bob opens the lesson "Welcome" of "Compilers"
    Then Bob is asked to enroll first
    And no playback was asked of the video vault for Bob
    And Grace sees 1 view of "Welcome" by 1 student
