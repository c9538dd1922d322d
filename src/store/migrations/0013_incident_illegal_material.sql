-- Incidents (src/incidents): whether the incident may involve illegal material,
-- from the flowchart outcome reached (Annex B Chart 3): no evidence file is then
-- accepted, whatever the category. Incidents recorded before are marked from their
-- category, and from the version 1 outcomes that the version 2 flowcharts flag
-- (issue 16: e-mail 'possibly illegal', sexual images shared, staff and illegal
-- material, a disclosure of abuse or grooming, extremist material); an unfinished
-- walk is marked, since every version 1 chart could still reach such an outcome.

ALTER TABLE incidents ADD COLUMN illegal_material INTEGER NOT NULL DEFAULT 0;
UPDATE incidents SET illegal_material = 1
  WHERE category IN ('accidental_illegal', 'deliberate_illegal', 'self_generated_images')
     OR flowchart_key = 'suspected-illegal-content'
     OR (flowchart_key IS NOT NULL AND flowchart_outcome IS NULL)
     OR (flowchart_key = 'suspicious-email' AND flowchart_outcome = 'illegal')
     OR (flowchart_key = 'cyberbullying' AND flowchart_outcome = 'sexual_images_shared')
     OR (flowchart_key = 'staff-misuse' AND flowchart_outcome IN ('illegal_by_staff', 'illegal_by_infrastructure_staff'))
     OR (flowchart_key = 'child-discloses-abuse' AND flowchart_outcome IN ('abuse', 'grooming'))
     OR (flowchart_key = 'inappropriate-content-child' AND flowchart_outcome = 'extremist');
