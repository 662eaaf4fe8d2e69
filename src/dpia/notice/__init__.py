"""Reading privacy notices: text with offsets, element detection, findings."""
