// Fixed articles of "The Daily Meridian" benchmark news site. Order = publication order (used for prev/next).
window.CATEGORIES = [
  { id: "environment", name: "Environment" }, { id: "science", name: "Science" }, { id: "travel", name: "Travel" },
  { id: "culture", name: "Culture" }, { id: "technology", name: "Technology" }
];
window.ARTICLES = [
  { id: "rivers-of-the-north", title: "Rivers of the North", category: "environment", author: "Maya Okafor", date: "March 4, 2024", minutes: 7,
    summary: "Following the Vellen from its mountain spring to the sea, through flood, drought and a slow recovery.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "The northern rivers are young by the standards of geology. They were carved when the ice sheets retreated, and they still carry the marks of that violent birth: boulder fields, deep gorges and lakes strung along their courses like beads.",
        "Of all of them the Vellen is the best known. It runs through three provinces, feeds two hydroelectric stations and passes close to the homes of almost half a million people. Yet few of those people have followed it from end to end." ] },
      { id: "source-to-sea", heading: "Source to sea", paragraphs: [
        "The Vellen begins as a trickle beneath the Harn glacier, at an altitude of 1,240 metres. Within a day's walk it has gathered a dozen side streams and become loud enough to drown out conversation.",
        "From its source to the estuary at Ostmark the river is 412 kilometres long. It falls most steeply in the first sixty kilometres, then meanders across the central plain, where a single bend can take an afternoon to paddle around." ] },
      { id: "the-spring-flood", heading: "The spring flood", paragraphs: [
        "Every year in late April the snow in the high valleys melts within a few warm weeks. The river rises by up to four metres at Lindvik, and the water meadows below the town disappear under a sheet of brown water.",
        "The old farmhouses are built on low mounds for this reason. Newer houses were not, and the flood of 2013 damaged more than six hundred of them, prompting the province to buy back land and return it to the river." ] },
      { id: "life-in-the-shallows", heading: "Life in the shallows", paragraphs: [
        "The gravel shallows of the middle river are nurseries for grayling and trout. In summer the water is clear enough to count the fish from a bridge, and kingfishers nest in the sandy banks.",
        "Ecologists have recorded twenty-three species of fish in the Vellen, including a small population of sturgeon that had not been seen for forty years before a survey found juveniles in 2019." ] },
      { id: "towns-on-the-banks", heading: "Towns on the banks", paragraphs: [
        "Every town along the Vellen owes its position to the river: a ford, a bridge, a harbour or a waterfall that could turn a mill. Lindvik grew around its timber port, and Ostmark around the estuary's fish market.",
        "Today the towns are turning back towards the water. Riverside warehouses have become libraries and cafés, and a continuous footpath now links the centre of Lindvik to the sea." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "The Vellen is not a wild river any more, and it never will be again. But it is cleaner and livelier than at any time in the past century.",
        "The lesson of the north is that a river given a little room will take care of much of the rest itself." ] }
    ] },
  { id: "the-quiet-return-of-the-night-sky", title: "The Quiet Return of the Night Sky", category: "science", author: "Jonas Berg", date: "March 11, 2024", minutes: 6,
    summary: "How a cluster of villages switched off, shielded and dimmed their lights, and got the Milky Way back.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "Ten years ago the sky above the Aster valley glowed orange on cloudy nights. Today, on a clear night, the Milky Way casts faint shadows. The change came not from new technology but from a patient campaign of switching things off.",
        "The valley is now one of the largest dark-sky reserves in Europe, and astronomers travel from far away to observe there." ] },
      { id: "measuring-darkness", heading: "Measuring darkness", paragraphs: [
        "Darkness is measured in magnitudes per square arcsecond. A reading of 21.5 or more counts as a truly dark sky; the centre of a large city rarely manages 17.",
        "Volunteers in the valley took readings every month with handheld meters. In 2014 the median reading was 19.8. By 2023 it had risen to 21.7, the darkest ever recorded there." ] },
      { id: "the-reserve", heading: "The reserve", paragraphs: [
        "The reserve was formally recognised in 2020. It covers 1,830 square kilometres and includes eleven villages, two small towns and a national park.",
        "Inside the reserve, new outdoor lights must point downwards, use warm colours and switch off or dim after midnight. Existing lights were replaced over four years with help from a regional fund." ] },
      { id: "wildlife-benefits", heading: "Wildlife benefits", paragraphs: [
        "Darkness is not only for stargazers. Moths, bats and migrating birds all navigate by natural light, and artificial light confuses them.",
        "Surveys in the reserve found that moth numbers around village edges rose by a third within five years of the new lighting rules." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "The Aster valley shows that light pollution can be reversed quickly and cheaply. Unlike most environmental damage, it disappears the moment the switch is turned off.",
        "Other regions are watching closely, and three have already started their own measurements." ] }
    ] },
  { id: "a-week-on-the-coastal-railway", title: "A Week on the Coastal Railway", category: "travel", author: "Lina Duarte", date: "March 18, 2024", minutes: 8,
    summary: "Slow trains, sea views and twenty-three stations between Porto Alto and Cabo Fino.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "The coastal line was nearly closed twice, in 1978 and again in 1996. Both times local councils raised the money to keep it running, and today it is one of the most loved railways in the country.",
        "I spent a week riding it from end to end, getting off wherever the view or the smell of grilled sardines persuaded me." ] },
      { id: "the-route", heading: "The route", paragraphs: [
        "The line runs 286 kilometres from Porto Alto to Cabo Fino and calls at twenty-three stations. Much of it clings to cliffs a few metres above the surf, and in winter storms the spray reaches the carriage windows.",
        "A through journey on the slow train takes 9 hours and 40 minutes. Nobody does it in one go unless they have to." ] },
      { id: "tickets-and-passes", heading: "Tickets and passes", paragraphs: [
        "A seven-day rover pass costs 64 euros and allows unlimited travel on the whole line. Single tickets are cheap, but the pass removes the need to queue at the small stations, many of which have no ticket office.",
        "Bicycles travel free outside the morning rush, in a dedicated space at the front of each train." ] },
      { id: "stations-worth-a-stop", heading: "Stations worth a stop", paragraphs: [
        "Praia Velha has a beach a hundred steps from the platform. Monte Sal has a salt museum and the best custard tarts on the line. At Farol the station is inside the grounds of a working lighthouse.",
        "My favourite was Vila Nova do Mar, where the station café serves grilled fish caught the same morning and the stationmaster grows tomatoes between the tracks." ] },
      { id: "practical-tips", heading: "Practical tips", paragraphs: [
        "Sit on the right-hand side when travelling south for the sea view. Trains run every two hours, so plan stops around the timetable rather than the other way round.",
        "Most guesthouses near the stations close from November to March, so book ahead if you travel out of season." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "Slow travel is easy to romanticise and hard to practise. The coastal railway makes it effortless: the timetable sets the pace and the sea does the rest.",
        "Go before the line is modernised; the plans for faster trains are already drawn up." ] }
    ] },
  { id: "inside-the-seed-vault", title: "Inside the Seed Vault", category: "science", author: "Maya Okafor", date: "March 25, 2024", minutes: 6,
    summary: "A visit to the mountain bunker that stores the seeds of the world's crops at minus eighteen degrees.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "The entrance is a narrow concrete wedge sticking out of a snowy hillside. Behind it, a tunnel runs 130 metres into the rock to three vaulted chambers.",
        "Inside are seeds from almost every country on Earth, sealed in foil packets and stacked in plain boxes on metal shelves." ] },
      { id: "how-it-works", heading: "How it works", paragraphs: [
        "The seeds are dried and then stored at minus 18 degrees Celsius, a temperature at which most crop seeds remain viable for decades, and some for centuries.",
        "Even if the cooling failed, the permafrost around the vault would keep the seeds frozen for many years. That was the main reason for choosing the site." ] },
      { id: "what-is-stored", heading: "What is stored", paragraphs: [
        "The vault holds more than 1.2 million seed samples. Rice, wheat and barley make up the largest share, but there are also samples of lentils, chickpeas, sorghum and hundreds of local vegetable varieties.",
        "Each sample contains around five hundred seeds, enough for a seed bank to regrow the variety if its own collection is lost." ] },
      { id: "withdrawals", heading: "Withdrawals", paragraphs: [
        "The vault is a backup, not a library. Seeds are only taken out when the depositing seed bank has lost its own copies.",
        "The first withdrawal happened in 2015, when a research centre that had been forced to relocate asked for its samples back to rebuild its collection." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "It is strange to stand in a freezer full of seeds and think of it as one of the most optimistic buildings in the world.",
        "But everything inside is there on the assumption that someone, someday, will plant it again." ] }
    ] },
  { id: "the-last-typewriter-repair-shop", title: "The Last Typewriter Repair Shop", category: "culture", author: "Sam Whitfield", date: "April 1, 2024", minutes: 5,
    summary: "Sixty years of ribbons, springs and stubborn keys in a shop that refused to close.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "The bell above the door of Keller & Daughter still rings the way it did when the shop opened in 1962. Inside, hundreds of typewriters wait on shelves that reach the ceiling.",
        "Ruth Keller, who took over from her father, is the last person in the city who repairs them for a living." ] },
      { id: "a-family-trade", heading: "A family trade", paragraphs: [
        "Her father learned the trade as an apprentice at a typewriter factory. When the factory closed, he took his tools and opened the shop with a loan from his brother.",
        "Ruth started sweeping the floor at the age of nine. By fifteen she could strip and rebuild a portable machine in an afternoon." ] },
      { id: "the-customers", heading: "The customers", paragraphs: [
        "In the eighties the customers were offices and schools. Now they are writers, students and collectors, many of whom were born after the last typewriter factory closed.",
        "The shop repairs about 340 machines a year. The most common problem is not wear but dried oil, which glues the keys in place." ] },
      { id: "spare-parts", heading: "Spare parts", paragraphs: [
        "No new parts have been made for decades. Ruth keeps a back room full of broken machines that she strips for springs, screws and typebars.",
        "When a part cannot be found she makes it on a small lathe that belonged to her grandfather." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "Ruth has no plans to retire. Her niece has started spending Saturdays in the shop, and the bell above the door keeps ringing.",
        "As she puts it, a typewriter never needs an update; it only needs someone who knows how it works." ] }
    ] },
  { id: "building-batteries-from-salt", title: "Building Batteries From Salt", category: "technology", author: "Jonas Berg", date: "April 8, 2024", minutes: 6,
    summary: "Sodium-ion cells are leaving the lab. Can a battery made from common salt compete with lithium?",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "Lithium has powered the rechargeable revolution, but it is expensive to mine and concentrated in a handful of countries. Sodium, its chemical cousin, is everywhere: in seawater, in rock salt, in the kitchen cupboard.",
        "For years sodium batteries were a laboratory curiosity. This year the first large factories started production." ] },
      { id: "how-sodium-cells-work", heading: "How sodium cells work", paragraphs: [
        "A sodium-ion cell works much like a lithium-ion cell: ions shuttle between two electrodes through a liquid electrolyte as the battery charges and discharges.",
        "Sodium ions are larger and heavier, so the cells store less energy for their weight. The best commercial cells today reach about 160 watt-hours per kilogram." ] },
      { id: "the-pilot-plant", heading: "The pilot plant", paragraphs: [
        "At a former paper mill on the river Aune, a start-up has converted the halls into a cell factory. Its first line has an annual capacity of 2 gigawatt-hours, enough for tens of thousands of home storage units.",
        "The plant uses no cobalt or nickel, and its cathodes are made from iron and manganese." ] },
      { id: "where-they-fit", heading: "Where they fit", paragraphs: [
        "Sodium batteries make most sense where weight matters less than price: storage for solar homes, backup power and small city cars.",
        "They also cope better with cold. Tests showed the cells keep about ninety percent of their capacity at minus twenty degrees." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "Sodium will not replace lithium, but it may take a large share of the market that lithium cannot supply cheaply.",
        "The cheapest battery, it turns out, may be the one made from the most common ingredients." ] }
    ] },
  { id: "mapping-forgotten-footpaths", title: "Mapping Forgotten Footpaths", category: "travel", author: "Lina Duarte", date: "April 15, 2024", minutes: 7,
    summary: "Volunteers with old maps and secateurs are bringing lost rights of way back into use.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "Old parish maps are full of paths that no longer appear on modern ones. Some were ploughed over, some swallowed by brambles, and some simply forgotten when people stopped walking to church or market.",
        "A group of volunteers has spent six years finding them again." ] },
      { id: "the-archive-work", heading: "The archive work", paragraphs: [
        "The work begins in county archives, comparing maps from different centuries. A path that appears on three maps drawn fifty years apart is almost certainly a public right of way.",
        "The volunteers have checked more than 4,000 historic maps and submitted claims for 312 paths." ] },
      { id: "in-the-field", heading: "In the field", paragraphs: [
        "Once a claim is accepted, the paths must be opened on the ground. Teams clear vegetation, build stiles and place waymarks, always with the landowner's knowledge.",
        "So far 640 kilometres of footpaths have been reopened, linking villages that had been connected only by busy roads." ] },
      { id: "conflicts", heading: "Conflicts", paragraphs: [
        "Not every landowner is happy to see walkers return. Some claims have been contested for years, and a few have gone to public inquiry.",
        "The group tries to agree small diversions instead, moving a path to the edge of a field rather than across a farmyard." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "Each reopened path is a small thing, but together they are redrawing the countryside for people on foot.",
        "The group's next project is a 90-kilometre route that follows an old drovers' road from the hills to the coast." ] }
    ] },
  { id: "how-cities-are-cooling-their-streets", title: "How Cities Are Cooling Their Streets", category: "environment", author: "Maya Okafor", date: "April 22, 2024", minutes: 6,
    summary: "Trees, light-coloured roofs and water are taking the edge off summer heat waves.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "On a summer afternoon a city centre can be several degrees hotter than the surrounding countryside. Asphalt and brick soak up the sun all day and release the heat all night.",
        "Cities are now redesigning their streets to fight back." ] },
      { id: "trees-and-shade", heading: "Trees and shade", paragraphs: [
        "The simplest tool is shade. A mature street tree can cool the pavement beneath it by more than ten degrees and the surrounding air noticeably.",
        "One city planted 18,000 trees in five years, choosing species that tolerate drought and that will still thrive in a hotter climate." ] },
      { id: "cool-roofs", heading: "Cool roofs", paragraphs: [
        "Light-coloured roofs reflect sunlight instead of absorbing it. Painting flat roofs white is cheap and can lower the temperature of the rooms below by a few degrees.",
        "Green roofs covered in plants go further, absorbing rainwater and giving insects a home." ] },
      { id: "water-in-the-city", heading: "Water in the city", paragraphs: [
        "Fountains, misting stations and uncovered streams cool the air as water evaporates. Several cities have dug up culverted rivers and returned them to open channels.",
        "On the reopened Linden brook, measurements showed the air along the banks was 4.5 degrees cooler than in a parallel street on the hottest day of the year." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "None of these measures is new; many were common before air conditioning. What is new is the scale at which cities are adopting them.",
        "The cooler city of the future may look surprisingly like a village: shady, green and full of water." ] }
    ] },
  { id: "the-robots-that-sort-our-recycling", title: "The Robots That Sort Our Recycling", category: "technology", author: "Sam Whitfield", date: "April 29, 2024", minutes: 5,
    summary: "Camera-guided arms now pick bottles and cans from fast conveyor belts.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "At the recycling centre on the edge of town, a conveyor belt carries a river of mixed waste past a row of robotic arms. Each arm darts down, grabs an item and drops it into the right chute.",
        "A few years ago this work was done by hand, in noisy halls, by people wearing heavy gloves." ] },
      { id: "seeing-the-waste", heading: "Seeing the waste", paragraphs: [
        "Cameras above the belt photograph every item. Software trained on millions of images recognises plastics, cartons, cans and paper, even when they are crushed or dirty.",
        "Near-infrared sensors add information about the material itself, telling apart plastics that look identical." ] },
      { id: "speed-and-accuracy", heading: "Speed and accuracy", paragraphs: [
        "Each arm makes about 80 picks per minute, roughly twice the pace of a human sorter, and it can work through the night.",
        "The centre reports that the purity of its sorted plastic rose from 89 to 96 percent after the robots were installed." ] },
      { id: "the-people", heading: "The people", paragraphs: [
        "The robots have not emptied the building. Staff now supervise the lines, clear jams and train the software on new kinds of packaging.",
        "Several former sorters retrained as technicians, a change they describe as quieter and cleaner work." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "Better sorting does not solve the waste problem; producing less waste still matters most. But it makes more of what we throw away useful again.",
        "The next step, engineers say, is robots that can take apart electronics." ] }
    ] },
  { id: "festival-of-lanterns", title: "Festival of Lanterns", category: "culture", author: "Lina Duarte", date: "May 6, 2024", minutes: 5,
    summary: "One night a year, a harbour town lights three thousand paper lanterns.",
    sections: [
      { id: "introduction", heading: "Introduction", paragraphs: [
        "On the first Saturday of May the harbour of Santa Luz goes dark at nine o'clock. A moment later the first lantern is lit on the old pier, and within an hour the whole waterfront is glowing.",
        "The festival has taken place every year since 1931, except for two years during the war." ] },
      { id: "making-the-lanterns", heading: "Making the lanterns", paragraphs: [
        "Families spend the weeks before the festival building lanterns from bamboo and paper. Children paint them with fish, boats and stars.",
        "This year the town counted 3,100 lanterns, the most in the festival's history." ] },
      { id: "the-procession", heading: "The procession", paragraphs: [
        "At ten o'clock a procession carries the largest lanterns from the church square down to the water, accompanied by a brass band.",
        "The biggest lantern, shaped like a whale, is four metres long and needs eight people to carry it." ] },
      { id: "on-the-water", heading: "On the water", paragraphs: [
        "Fishing boats decorated with lanterns sail slowly out of the harbour and form a ring in the bay. From the hill above town the ring looks like a necklace of light.",
        "The boats stay out until midnight, when a single horn signals the end of the festival." ] },
      { id: "conclusion", heading: "Conclusion", paragraphs: [
        "For the people of Santa Luz, the festival is a way of thanking the sea and remembering those it has taken.",
        "For visitors, it is simply one of the most beautiful nights of the year." ] }
    ] }
];
