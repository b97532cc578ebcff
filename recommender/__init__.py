"""reskill: reskilling pathways into hard-to-fill healthcare cybersecurity and AI/data roles."""

__version__ = "0.1.0"

ONET_ATTRIBUTION = (
    "This product includes information from the O*NET 29.3 Database by the U.S. Department of "
    "Labor, Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 license. "
    "O*NET(R) is a trademark of USDOL/ETA. reskill has modified all or some of this information; "
    "USDOL/ETA has not approved, endorsed, or tested these modifications."
)
