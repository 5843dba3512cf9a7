"""What the explorer teaches, as plain text and data: the lab's lessons, the pitfalls, the glossary."""
